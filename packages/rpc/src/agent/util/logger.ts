/**
 * The logger agents and hosts write to: any object with some of these methods (console, pino,
 * winston and most others fit). Nothing is logged unless one is given.
 */
/** How much a log line matters. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Any object with some of these methods: each gets a message and structured fields. */
export type AgentLogger = { readonly [L in LogLevel]?: (message: string, fields?: Record<string, unknown>) => void };

export function logTo(logger: AgentLogger | undefined, prefix: string): (level: LogLevel, message: string, fields?: Record<string, unknown>) => void {
  return (level, message, fields) => {
    const method = logger?.[level];
    if (method === undefined) return;
    try {
      method.call(logger, `${prefix}: ${message}`, fields);
    } catch {
      // A failing logger must not take the agent or host down with it.
    }
  };
}

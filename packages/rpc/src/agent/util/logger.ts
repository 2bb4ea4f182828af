/**
 * The logger agents and hosts write to: any object with some of these methods (console, pino,
 * winston and most others fit). Nothing is logged unless one is given.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

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

/** What the example's commands share: argument parsing with one-line errors, and output lines. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Prints `name: message` on stderr and exits with `code` (2: usage). */
export function exitWith(name: string, message: string, code = 1): never {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(code);
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>['values'];

/** The --help option every command has. */
export const HELP = { type: 'boolean', short: 'h' } as const;

/** parseArgs, with --help (in `options` as HELP) printing `usage` and a bad option ending the process with one line. */
export function parseCommandLine<O extends Options & { help: typeof HELP }>(name: string, usage: string, options: O): Values<O> {
  try {
    // Inside this generic function TypeScript cannot compute parseArgs' result type; callers get it.
    const values = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false }).values as Values<O> & { help?: boolean };
    if (values.help === true) {
      process.stdout.write(usage);
      process.exit(0);
    }
    return values;
  } catch (error) {
    return exitWith(name, `${(error as Error).message}\n${usage}`, 2);
  }
}

/** A positive number of seconds, in milliseconds. */
export function seconds(name: string, option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) exitWith(name, `--${option} must be a positive number of seconds, not ${JSON.stringify(value)}`, 2);
  return Math.round(parsed * 1000);
}

/** Writes one line to stdout. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

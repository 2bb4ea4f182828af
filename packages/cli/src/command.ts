/**
 * What a command is: a name, a one-line summary for `vmrpc --help`, its help text, its options
 * (node:util parseArgs) and a run function that returns the exit code. defineCommand() adds
 * what every command shares: `-h/--help`, `--debug`, usage errors and the one-line error report.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeOf, reportError } from './errors';
import { EXIT_OUTPUT_CLOSED, readerGone, watchOutput } from './output';

/** The streams a command reads and writes (the process's own, or a test's). */
export interface CommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Print stack traces with errors. */
  readonly debug: boolean;
  /**
   * Aborted when stdout can no longer be written (its reader went away): stop, cancel what is
   * in flight and return. defineCommand() sets it for every command.
   */
  readonly signal?: AbortSignal;
}

/** parseArgs option declarations. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** The parsed values of options declared by `O`. */
export type OptionValues<O extends OptionSpecs> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];

/** A command of the `vmrpc` CLI. */
export interface Command {
  /** The word after `vmrpc` (`nc`, `call`...). */
  readonly name: string;
  /** One line for `vmrpc --help`. */
  readonly summary: string;
  /** The full `vmrpc NAME --help` text. */
  readonly help: string;
  /** Parses `argv` (the words after the command name), runs, and resolves with the exit code. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

/** The definition defineCommand() turns into a Command. */
export interface CommandSpec<O extends OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  /** Help text: usage, description, options; `-h, --help` and `--debug` are appended. */
  readonly help: string;
  /** Printed after the options (exit codes, notes). */
  readonly footer?: string;
  /** parseArgs declarations of the command's own options. */
  readonly options: O;
  /** Does the work with the parsed options and positional arguments; resolves with the exit code, or throws (reported in one line). */
  run(values: OptionValues<O>, positionals: string[], io: CommandIo): Promise<number>;
}

const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const;

const COMMON_HELP = `
  -h, --help     this text
      --debug    print stack traces with errors`;

/** The exit code once stdout failed: quiet for a reader gone, else the error reported. */
function outputFailed(command: string, error: unknown, io: CommandIo): number {
  if (readerGone(error)) return EXIT_OUTPUT_CLOSED;
  io.stderr.write(`vmrpc ${command}: cannot write to stdout: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_FAILURE;
}

/** Makes a Command from its spec. */
export function defineCommand<O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  const help = `${spec.help.trimEnd()}${COMMON_HELP}\n${spec.footer === undefined ? '' : `\n${spec.footer.trimEnd()}\n`}`;
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(argv, io) {
      let parsed;
      try {
        parsed = parseArgs({ args: [...argv], options: { ...spec.options, ...COMMON_OPTIONS }, allowPositionals: true, strict: true });
      } catch (error) {
        // parseArgs' messages already name the option; point at the help.
        io.stderr.write(`vmrpc ${spec.name}: ${error instanceof Error ? error.message : String(error)} (see vmrpc ${spec.name} --help)\n`);
        return EXIT_USAGE;
      }
      const values = parsed.values as OptionValues<O> & { help?: boolean; debug?: boolean };
      if (values.help === true) {
        io.stdout.write(help);
        return EXIT_OK;
      }
      const output = watchOutput(io.stdout);
      const commandIo: CommandIo = { ...io, debug: io.debug || values.debug === true, signal: output.signal };
      let code: number;
      try {
        code = await spec.run(values, parsed.positionals, commandIo);
      } catch (error) {
        // Once stdout failed, what the command throws (a cancelled call...) follows from that.
        if (output.signal.aborted) return outputFailed(spec.name, output.signal.reason, commandIo);
        reportError(spec.name, error, commandIo);
        return exitCodeOf(error);
      } finally {
        output.dispose();
      }
      return output.signal.aborted ? outputFailed(spec.name, output.signal.reason, commandIo) : code;
    },
  };
}

/**
 * The commands: every module in commands/ that exports `command` (made by defineCommand()), so
 * adding a command is adding one file. Sorted by name for `vmrpc --help`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from './command';

function isCommand(value: unknown): value is Command {
  return typeof value === 'object' && value !== null && typeof (value as Command).name === 'string' && typeof (value as Command).run === 'function';
}

const COMMANDS_DIR = path.join(__dirname, 'commands');
let loaded: Command[] | undefined;

/** The command modules' file names, sorted. */
function commandFiles(): string[] {
  return fs
    .readdirSync(COMMANDS_DIR)
    .filter((file) => file.endsWith('.js'))
    .sort();
}

function loadCommand(file: string): Command {
  const exported: unknown = (require(path.join(COMMANDS_DIR, file)) as { command?: unknown }).command;
  // A file that does not export its command is a bug of this package: say so loudly.
  if (!isCommand(exported) || exported.name !== path.basename(file, '.js')) throw new Error(`commands/${file} must export \`command\` named ${path.basename(file, '.js')}`);
  return exported;
}

/** Every command, sorted by name. */
export function commands(): readonly Command[] {
  loaded ??= commandFiles().map(loadCommand);
  return loaded;
}

/**
 * The command called `name`, or undefined. Only its own module is loaded, with what it imports:
 * `vmrpc cid` or `vmrpc nc` start without the gRPC stack, which takes seconds to load in a TCG guest.
 */
export function findCommand(name: string): Command | undefined {
  if (loaded !== undefined) return loaded.find((command) => command.name === name);
  const file = `${name}.js`;
  return commandFiles().includes(file) ? loadCommand(file) : undefined;
}

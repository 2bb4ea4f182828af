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

let loaded: Command[] | undefined;

/** Every command, sorted by name. */
export function commands(): readonly Command[] {
  if (loaded !== undefined) return loaded;
  const dir = path.join(__dirname, 'commands');
  const found: Command[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.js')) continue;
    const exported: unknown = (require(path.join(dir, file)) as { command?: unknown }).command;
    // A file that does not export its command is a bug of this package: say so loudly.
    if (!isCommand(exported) || exported.name !== path.basename(file, '.js')) throw new Error(`commands/${file} must export \`command\` named ${path.basename(file, '.js')}`);
    found.push(exported);
  }
  loaded = found;
  return found;
}

/** The command called `name`, or undefined. */
export function findCommand(name: string): Command | undefined {
  return commands().find((command) => command.name === name);
}

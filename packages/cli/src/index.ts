/**
 * @vmrpc/cli: the `vmrpc` command (`cid`, `nc`, `call`, `list`, `ping`) and the pieces to run it
 * from code or to add a command: one module in `commands/` exporting `command = defineCommand(...)`.
 */
export { defineCommand, type Command, type CommandIo, type CommandSpec, type OptionSpecs, type OptionValues } from './command';
export { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, GRPC_EXIT_BASE, UsageError, describeError, exitCodeOf } from './errors';
export { main, processIo } from './main';
export { EXIT_OUTPUT_CLOSED } from './output';
export { commands, findCommand } from './registry';
export { VERSION } from './version';

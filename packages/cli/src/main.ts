/** `vmrpc [--debug] COMMAND [ARGS]`: finds the command and runs it. */
import type { CommandIo } from './command';
import { EXIT_OK, EXIT_USAGE } from './errors';
import { commands, findCommand } from './registry';
import { VERSION } from './version';

function overview(): string {
  const list = commands();
  const width = Math.max(...list.map((command) => command.name.length));
  const lines = list.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `usage: vmrpc [--debug] COMMAND [OPTIONS] [ARGS]

Sockets and gRPC over VM sockets. Targets: vsock:CID:PORT, unix:PATH, unix-abstract:NAME,
hybrid-vsock:PATH:PORT, hvsock:VMID:SERVICE.

commands:
${lines.join('\n')}

  -h, --help     this text (vmrpc COMMAND --help: that command's)
  -V, --version  the version
      --debug    print stack traces with errors

exit codes: 0 success, 1 failure, 2 usage error, 64+N a call ended with gRPC status N,
141 stdout's reader went away (vmrpc ... | head)
`;
}

/** The process's own streams. */
export function processIo(): CommandIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, debug: false };
}

/** Runs `vmrpc` with `argv` (the words after `vmrpc`); resolves with the exit code. */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  let debug = io.debug;
  let index = 0;
  for (; index < argv.length && argv[index]!.startsWith('-'); index++) {
    const flag = argv[index]!;
    if (flag === '-h' || flag === '--help') {
      io.stdout.write(overview());
      return EXIT_OK;
    }
    if (flag === '-V' || flag === '--version') {
      io.stdout.write(`vmrpc ${VERSION}\n`);
      return EXIT_OK;
    }
    if (flag !== '--debug') {
      io.stderr.write(`vmrpc: unknown option '${flag}' (see vmrpc --help)\n`);
      return EXIT_USAGE;
    }
    debug = true;
  }
  const name = argv[index];
  if (name === undefined) {
    io.stderr.write(overview());
    return EXIT_USAGE;
  }
  if (name === 'help') {
    const topic = argv[index + 1];
    const command = topic === undefined ? undefined : findCommand(topic);
    io.stdout.write(command === undefined ? overview() : command.help);
    return EXIT_OK;
  }
  const command = findCommand(name);
  if (command === undefined) {
    io.stderr.write(`vmrpc: unknown command '${name}' (see vmrpc --help)\n`);
    return EXIT_USAGE;
  }
  return command.run(argv.slice(index + 1), { ...io, debug });
}

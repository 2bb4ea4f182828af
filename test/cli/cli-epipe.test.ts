// stdout's reader going away (`vmrpc ... | head -1`): the command stops quietly with exit 141
// (128 + SIGPIPE, what the shell shows for `cat` or `yes`), cancelling the call or closing the
// socket, instead of Node's "Unhandled 'error' event" stack. The test closes the read end of
// the child's stdout once the first output arrived, as head does.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { socketPath, within } from '../support/checks.js';
import { repoRoot, runCli, startCli, vmrpcBin, type CliProcess } from './run-cli.js';
import { startTestServer } from './grpc-server.js';
import { whenCancelled } from '../rpc/streaming-service.js';

const COUNT = '/vmrpc.testing.v1.Streaming/Count';

/** Closes the child's stdout (the pipe's read end) once `first` arrived on it. */
async function closeStdoutAfter(cli: CliProcess, first: string): Promise<void> {
  await cli.stdoutIncludes(first);
  cli.child.stdout!.destroy();
}

describe('vmrpc: stdout closed by its reader', function () {
  this.timeout(30_000);

  it('call | head -1: exit 141, nothing on stderr, and the server sees the call cancelled', async () => {
    const served = await startTestServer();
    // The server waits between responses on the call's signal: no listener may pile up there.
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      // A million responses, one a millisecond: the call is still running when the pipe closes.
      const cli = startCli(['call', served.target, 'vmrpc.testing.v1.Streaming/Count', '{"count": 1000000, "delayMs": 1}'], '', 15_000);
      await closeStdoutAfter(cli, '\n');
      const result = await cli.done;
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(141);
      await within(10_000, 'the server sees the call cancelled', whenCancelled(served.log, COUNT));
      expect(warnings.map((warning) => warning.name)).to.deep.equal([]);
    } finally {
      process.off('warning', onWarning);
      await served.server.close(0);
    }
  });

  it('ping | head -1: exit 141, nothing on stderr', async () => {
    const served = await startTestServer();
    try {
      const cli = startCli(['ping', '-i', '1ms', served.target], '', 15_000);
      await closeStdoutAfter(cli, '\n');
      const result = await cli.done;
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(141);
    } finally {
      await served.server.close(0);
    }
  });

  it('nc | head -c 5: exit 141, nothing on stderr, and the peer sees the connection close', async () => {
    const path = socketPath('nc-epipe');
    let closed: Promise<void> | undefined;
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      // Sends until the connection goes.
      const chunk = Buffer.alloc(64 * 1024, 97);
      const send = (): void => {
        while (!socket.destroyed && socket.write(chunk));
        if (!socket.destroyed) socket.once('drain', send);
      };
      send();
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const cli = startCli(['nc', `unix:${path}`], '', 15_000);
      await closeStdoutAfter(cli, 'aaaaa');
      const result = await cli.done;
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(141);
      await within(5000, 'the peer sees the connection close', closed!);
    } finally {
      server.close();
    }
  });

  it('list and --help with stdout closed before they write: exit 141, nothing on stderr', async () => {
    const served = await startTestServer();
    try {
      for (const args of [['list', served.target], ['--help']]) {
        const cli = startCli(args, '', 15_000);
        // Closed at once: the child has not even started, so its first write meets EPIPE.
        cli.child.stdout!.destroy();
        const result = await cli.done;
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(141);
      }
    } finally {
      await served.server.close(0);
    }
  });

  it('another stdout error (ENOSPC, /dev/full): one line naming it, exit 1', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    for (const [args, prefix] of [[['list', '--proto', 'vmrpc/testing/v1/streaming.proto', '-I', 'protos', 'unix-abstract:unused'], 'vmrpc list'], [['--help'], 'vmrpc']] as const) {
      const full = fs.openSync('/dev/full', 'w');
      const child = spawn(process.execPath, [vmrpcBin, ...args], { cwd: repoRoot, stdio: ['ignore', full, 'pipe'] });
      fs.closeSync(full);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await within(10_000, 'vmrpc exits', new Promise<number | null>((resolve) => child.once('close', resolve)));
      expect(stderr).to.equal(`${prefix}: cannot write to stdout: ENOSPC: no space left on device, write\n`);
      expect(code).to.equal(1);
    }
  });
});

describe('vmrpc: stderr closed by its reader', function () {
  this.timeout(30_000);

  /** Starts `vmrpc ARGS` with the read end of its stderr closed at once: every write to it is EPIPE. */
  const withoutStderr = (args: readonly string[]): Promise<{ code: number | null; stdout: Buffer }> => {
    const cli = startCli(args, '', 15_000);
    cli.child.stderr!.destroy();
    return cli.done;
  };

  it('a successful call -v (headers on stderr): exit 0 and the response printed', async () => {
    const served = await startTestServer();
    try {
      const args = ['call', '-v', served.target, 'vmrpc.testing.v1.Streaming/Act', '{"value": "1"}'];
      const open = await runCli(args);
      expect(open.stderr).to.not.equal('');
      expect(open.code).to.equal(0);
      const closed = await withoutStderr(args);
      expect(closed.code).to.equal(0);
      expect(open.stdout.length).to.be.greaterThan(0);
      expect(closed.stdout.toString()).to.equal(open.stdout.toString());
    } finally {
      await served.server.close(0);
    }
  });

  it('failures keep their exit codes: no server 78, a usage error 2', async () => {
    const noServer = await withoutStderr(['call', `unix:${socketPath('nobody')}`, 'a.B/C', '{}']);
    expect(noServer.code).to.equal(78);
    const usage = await withoutStderr(['call', '--bogus']);
    expect(usage.code).to.equal(2);
  });
});

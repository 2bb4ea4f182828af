// vmrpc nc over Unix sockets: bytes both ways (sha256-checked), half-close both ways, -l, -k,
// and the errors an operator meets first.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { payload, sha256, socketPath, within } from '../support/checks.js';
import { collect, runCli, startCli } from './run-cli.js';

const MiB = 1024 * 1024;

/** A Unix server that runs `handler` for each connection (half-open allowed). */
async function unixServer(handler: (socket: net.Socket) => void): Promise<{ path: string; close: () => Promise<void> }> {
  const path = socketPath('nc');
  const server = net.createServer({ allowHalfOpen: true }, handler);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('vmrpc nc', function () {
  this.timeout(30_000);

  it('sends stdin, half-closes at its end, and still reads the reply the peer sends after that', async () => {
    const input = payload(4 * MiB);
    let seen: { bytes: number; hash: string } | undefined;
    const server = await unixServer((socket) => {
      // The reply depends on the whole request, so it can only come after nc's end().
      void collect(socket).then((received) => {
        seen = received;
        socket.end(`${received.hash} ${received.bytes}\n`);
      });
    });
    try {
      const result = await runCli(['nc', `unix:${server.path}`], input.data);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(seen).to.deep.equal({ bytes: input.data.length, hash: input.hash });
      expect(result.stdout.toString()).to.equal(`${input.hash} ${input.data.length}\n`);
    } finally {
      await server.close();
    }
  });

  it("writes what the peer sends to stdout, and keeps sending stdin after the peer's end", async () => {
    const download = payload(3 * MiB);
    let late: Promise<{ bytes: number; hash: string }> | undefined;
    const server = await unixServer((socket) => {
      late = collect(socket);
      socket.end(download.data);
    });
    const stdin = new PassThrough();
    try {
      const nc = startCli(['nc', `unix:${server.path}`], stdin);
      // stdin stays open while the download completes; then more bytes go up, then EOF.
      await within(10_000, 'server connection', new Promise<void>((resolve) => {
        const wait = (): void => (late === undefined ? void setTimeout(wait, 10) : resolve());
        wait();
      }));
      const upload = payload(MiB);
      stdin.end(upload.data);
      const result = await nc.done;
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(sha256(result.stdout)).to.equal(download.hash);
      expect(await within(5000, 'upload', late!)).to.deep.equal({ bytes: upload.data.length, hash: upload.hash });
    } finally {
      await server.close();
    }
  });

  it('-l serves one connection both ways, refuses the next, and removes its socket file', async () => {
    const path = socketPath('nc-listen');
    const toClient = payload(2 * MiB);
    const toListener = payload(3 * MiB);
    const stdin = new PassThrough();
    const nc = startCli(['nc', '-l', '-v', `unix:${path}`], stdin);
    await nc.stderrMatches(/listening on unix:/);
    const client = net.connect(path);
    const received = collect(client);
    stdin.end(toClient.data);
    client.end(toListener.data);
    expect(await within(10_000, 'client download', received)).to.deep.equal({ bytes: toClient.data.length, hash: toClient.hash });
    // The listener stopped accepting when the first connection came.
    const second = await new Promise<string>((resolve) => net.connect(path).once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? '')).once('connect', () => resolve('connected')));
    expect(second).to.be.oneOf(['ECONNREFUSED', 'ENOENT']);
    const result = await nc.done;
    expect(result.code).to.equal(0);
    expect(sha256(result.stdout)).to.equal(toListener.hash);
    expect(result.stderr).to.match(/\nvmrpc nc: connection from .+\n/);
    expect(fs.existsSync(path)).to.equal(false);
  });

  it('-l -k serves connections one after another until SIGTERM', async () => {
    const path = socketPath('nc-keep');
    const nc = startCli(['nc', '-l', '-k', '-v', `unix:${path}`], '');
    await nc.stderrMatches(/listening on/);
    for (const message of ['first\n', 'second\n']) {
      const client = net.connect(path);
      const reply = collect(client);
      client.end(message);
      // stdin was empty, so each connection gets an immediate end: the reply is empty.
      expect((await within(10_000, 'connection end', reply)).bytes).to.equal(0);
    }
    await nc.stderrMatches(/connection from[^]*connection from/);
    await nc.stdoutIncludes('second\n');
    nc.child.kill('SIGTERM');
    const result = await nc.done;
    expect(result.code).to.equal(130);
    expect(result.stdout.toString()).to.equal('first\nsecond\n');
    expect(fs.existsSync(path)).to.equal(false);
  });

  it('--progress reports the totals on stderr', async () => {
    const server = await unixServer((socket) => void collect(socket).then(() => socket.end('ok')));
    try {
      const result = await runCli(['nc', '--progress', `unix:${server.path}`], Buffer.alloc(MiB));
      expect(result.code).to.equal(0);
      expect(result.stderr).to.match(/^vmrpc nc: [\d.]+ s, sent 1\.0 MiB \([^)]+\/s\), received 2 B/m);
    } finally {
      await server.close();
    }
  });

  it('nothing listening: exit 1 and one ECONNREFUSED line with a hint', async () => {
    const result = await runCli(['nc', `unix-abstract:vmrpc-test-nobody-${process.pid}`]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(`vmrpc nc: connect ECONNREFUSED unix-abstract:vmrpc-test-nobody-${process.pid} (nothing is listening there)\n`);
  });

  it('no socket file: exit 1 and the hint to check the server', async () => {
    const result = await runCli(['nc', 'unix:/tmp/vmrpc-test-no-such-socket']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^vmrpc nc: connect ENOENT unix:\/tmp\/vmrpc-test-no-such-socket \(no socket file at that path: is the server running\?\)\n$/);
  });

  it('a bad --connect-timeout and -k without -l are usage errors', async () => {
    expect((await runCli(['nc', '-w', 'soon', 'unix:/tmp/x'])).code).to.equal(2);
    expect((await runCli(['nc', '-k', 'unix:/tmp/x'])).stderr).to.match(/-k needs -l/);
  });
});

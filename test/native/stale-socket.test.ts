// listen({ removeStaleSocket: true }): a socket file left by a killed server is removed; a live
// server's file, a regular file and a directory never are.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { connect, createServer, createSeqpacketServer, type VmServer } from '@vmrpc/native';
import { rejection, socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

async function closeServer(server: VmServer<never> | VmServer): Promise<void> {
  await within(5000, 'server close', new Promise<void>((resolve) => (server as VmServer).close(() => resolve())));
}

/** Starts a child that listens on `target`, then kills it with SIGKILL: its socket file stays. */
async function leaveStaleFile(target: string): Promise<void> {
  const script = `const n = require('@vmrpc/native'); n.createServer().listen(${JSON.stringify(target)}).then(() => process.stdout.write('listening\\n'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
  await within(10_000, 'child listening', new Promise<void>((resolve) => child.stdout.once('data', () => resolve())));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await within(5000, 'child killed', exited);
}

async function greeting(target: string): Promise<string> {
  const socket = await connect(target);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('listen({ removeStaleSocket })', function () {
  linuxOnly(this);

  it('after kill -9: listen fails with a hint naming the option, and with it succeeds', async () => {
    const path = socketPath('killed');
    await leaveStaleFile(`unix:${path}`);
    expect(fs.lstatSync(path).isSocket()).to.equal(true);
    const error = await rejection(createServer().listen(`unix:${path}`));
    expect(error.code).to.equal('EADDRINUSE');
    expect(error.message).to.include('removeStaleSocket: true');
    const server = createServer((socket) => socket.end('fresh'));
    await server.listen(`unix:${path}`, { removeStaleSocket: true });
    expect(await within(5000, 'greeting', greeting(`unix:${path}`))).to.equal('fresh');
    await closeServer(server);
    expect(fs.existsSync(path)).to.equal(false);
  });

  it("never removes a live server's socket file (stream and seqpacket listeners)", async () => {
    const path = socketPath('live');
    // The probe is a connection closed at once: the live server may see EPIPE on it.
    const live = createServer((socket) => socket.on('error', () => undefined).end('live'));
    await live.listen(`unix:${path}`);
    const error = await rejection(createServer().listen(`unix:${path}`, { removeStaleSocket: true }));
    expect(error.code).to.equal('EADDRINUSE');
    expect(await within(5000, 'live server still answers', greeting(`unix:${path}`))).to.equal('live');
    await closeServer(live);

    const seqPath = socketPath('live-seq');
    const seq = createSeqpacketServer();
    await seq.listen(`unix:${seqPath}`);
    expect((await rejection(createServer().listen(`unix:${seqPath}`, { removeStaleSocket: true }))).code).to.equal('EADDRINUSE');
    expect(fs.lstatSync(seqPath).isSocket()).to.equal(true);
    await closeServer(seq as unknown as VmServer);
  });

  it('never removes a regular file or a directory, and says what the path is', async () => {
    const file = socketPath('regular');
    fs.writeFileSync(file, 'precious');
    try {
      const error = await rejection(createServer().listen(`unix:${file}`, { removeStaleSocket: true }));
      expect(error.code).to.equal('EADDRINUSE');
      expect(error.message).to.include(`${file} exists and is not a socket`);
      expect(fs.readFileSync(file, 'utf8')).to.equal('precious');
    } finally {
      fs.rmSync(file, { force: true });
    }
    const dir = fs.mkdtempSync('/tmp/vmrpc-dir-');
    try {
      const error = await rejection(createServer().listen(`unix:${dir}`, { removeStaleSocket: true }));
      expect(error.code).to.equal('EADDRINUSE');
      expect(error.message).to.include(`${dir} is a directory: name a socket file inside it, e.g. ${dir}/app.sock`);
      const refused = await rejection(connect(`unix:${dir}`));
      expect(refused.message).to.include(`${dir} is a directory`);
      expect(fs.statSync(dir).isDirectory()).to.equal(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes a killed hybrid-vsock listener's <path>_<port> file", async () => {
    const base = socketPath('vmm');
    await leaveStaleFile(`hybrid-vsock:${base}:52`);
    expect(fs.lstatSync(`${base}_52`).isSocket()).to.equal(true);
    const server = createServer();
    await server.listen(`hybrid-vsock:${base}:52`, { removeStaleSocket: true });
    await closeServer(server);
    expect(fs.existsSync(`${base}_52`)).to.equal(false);
  });

  it('checks the option type', async () => {
    const error = await rejection(createServer().listen(`unix:${socketPath('x')}`, { removeStaleSocket: 'yes' as never }));
    expect(error.code).to.equal('ERR_INVALID_ARG_TYPE');
  });
});

// socat as an independent vsock peer, in both directions.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { connect, createServer, type VmSocket } from '@vmrpc/native';
import { drain, payload, within } from '../support/checks.js';
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';

function haveSocat(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

async function connectWithRetry(target: string, ms: number): Promise<VmSocket> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await connect(target, { connectTimeout: 2000 });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('vsock interop with socat', function () {
  requireVsockTestGuest(this);
  const children: ChildProcess[] = [];

  before(function () {
    if (haveSocat()) return;
    if (process.env.VMRPC_HARNESS_GUEST === '1') throw new Error('socat is missing in the harness guest (install it on the host: apt-get install socat)');
    this.skip();
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('our client <-> socat echo server: 4 MiB checked', async () => {
    const port = freshVsockPort();
    const child = spawn('socat', [`VSOCK-LISTEN:${port},reuseaddr`, 'EXEC:cat'], { stdio: 'ignore' });
    children.push(child);
    const socket = await connectWithRetry(`vsock:1:${port}`, 10_000);
    const { data, hash } = payload(4 << 20);
    const received = drain(socket);
    socket.end(data);
    expect(await within(60_000, 'socat echo', received)).to.deep.equal({ bytes: data.length, hash });
  });

  it('socat client -> our server: a 4 MiB file checked', async () => {
    const { data, hash } = payload(4 << 20);
    const file = `/tmp/vmrpc-socat-${process.pid}.bin`;
    fs.writeFileSync(file, data);
    const server = createServer();
    const accepted = once(server, 'connection') as Promise<[VmSocket]>;
    await server.listen('vsock:any:any');
    const address = server.address();
    if (address?.family !== 'vsock') throw new Error('not vsock');
    const child = spawn('socat', ['-u', `FILE:${file}`, `VSOCK-CONNECT:1:${address.port}`], { stdio: 'ignore' });
    children.push(child);
    const [socket] = await within(20_000, 'accept from socat', accepted);
    expect(await within(60_000, 'socat upload', drain(socket))).to.deep.equal({ bytes: data.length, hash });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(file, { force: true });
  });
});

// vsock-only paths of the addon's hardening: a refused connect whose 'error' listener throws
// (the poller path of a connect(2) in progress), and seqpacket sends blocked on peers that stop
// reading while libuv's thread pool stays free.
import { expect } from 'chai';
import { pbkdf2, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { promisify } from 'node:util';
import { connectSeqpacket, createSeqpacketServer, type SeqpacketSocket } from '@vmrpc/native';
import { within } from '../support/checks.js';
import { requireVsockTestGuest } from '../support/vsock-gate.js';
import { runThrowFixture } from './support/throw-fixture.js';

describe('vsock hardening (vsock loopback)', function () {
  requireVsockTestGuest(this);

  it("vsock-refused-connect: a throwing 'error' listener reaches 'uncaughtException'; the next addon call is unaffected", async () => {
    const run = await runThrowFixture('vsock-refused-connect', 'handled', 50_000);
    expect(run.report, `stdout: ${run.stdout} stderr: ${run.stderr}`).to.deep.equal({
      message: 'boom in vsock-refused-connect',
      origin: 'uncaughtException',
      nextCall: 'ok',
    });
  });

  it('vsock-refused-connect: without a handler the process fails with the error (never exits 0)', async () => {
    const run = await runThrowFixture('vsock-refused-connect', 'unhandled', 50_000);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.include('boom in vsock-refused-connect');
  });

  it('seqpacket sends blocked on 6 peers that stop reading leave the thread pool free', async () => {
    const peers: SeqpacketSocket[] = [];
    // A small receive buffer: two 32 KiB messages fit, the third waits for the peer to read.
    const server = createSeqpacketServer({ bufferSize: 64 * 1024 }, (socket) => peers.push(socket.pause()));
    await server.listen('vsock:any:any');
    const address = server.address();
    if (address?.family !== 'vsock') throw new Error('not vsock');
    const clients = await Promise.all(Array.from({ length: 6 }, () => connectSeqpacket(`vsock:1:${address.port}`)));
    const third: Array<Promise<unknown>> = [];
    let settled = 0;
    for (const client of clients) {
      const sends = [0, 1, 2].map(() => client.send(randomBytes(32 * 1024)));
      await within(20_000, 'first two sends', Promise.all(sends.slice(0, 2)));
      // The third send is in flight now (sends start one after another) and cannot finish.
      third.push(sends[2]!.then(() => settled++, (error: Error) => error));
    }
    await within(20_000, 'crypto.pbkdf2', promisify(pbkdf2)('secret', 'salt', 1000, 32, 'sha256'));
    await within(20_000, 'fs.readFile', fsp.readFile('/proc/self/status'));
    expect(settled, 'a third send completed: the peers were not full, the test proves nothing').to.equal(0);
    for (const client of clients) client.destroy();
    const outcomes = (await within(20_000, 'blocked sends end', Promise.all(third))) as Array<Error & { code?: string }>;
    expect(outcomes.map((o) => o.code)).to.deep.equal(clients.map(() => 'ERR_VMRPC_SOCKET_CLOSED'));
    for (const peer of peers) peer.destroy();
    await within(20_000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
  });
});

// Admission's bounds must be timers Node can hold: 2^31 ms or Infinity would fire after 1 ms and
// refuse every connection whose authorize takes longer (a silent, total refusal).
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { connect, createServer, type VmServer } from '@vmrpc/native';
import { admitConnections, listen } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';

describe('admission timeouts (authorizeTimeoutMs, handshakeTimeoutMs)', () => {
  for (const name of ['authorizeTimeoutMs', 'handshakeTimeoutMs'] as const) {
    for (const value of [2 ** 31, Infinity, 0, -1, Number.NaN]) {
      it(`listen() refuses ${name} ${value} with ERR_OUT_OF_RANGE, before it binds`, async () => {
        const server = new grpc.Server();
        const path = socketPath('admission-range');
        const error = await listen(server, `unix:${path}`, { [name]: value }).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error).to.be.instanceOf(RangeError);
        expect(error).to.have.property('code', 'ERR_OUT_OF_RANGE');
        expect((error as Error).message).to.contain(`options.${name}`).and.contain('2147483647');
        // Nothing was bound: the path can be listened on at once.
        const other: VmServer = createServer();
        await other.listen(`unix:${path}`);
        await new Promise<void>((resolve) => other.close(() => resolve()));
        server.forceShutdown();
      });
    }
  }

  it('the largest bound a timer holds (2^31 - 1 ms) waits for an authorize that answers later', async () => {
    const vmServer: VmServer = createServer({ pauseOnConnect: true });
    let answer: (allowed: boolean) => void = () => undefined;
    const asked = new Promise<void>((resolve) => {
      admitConnections(vmServer, { authorizeTimeoutMs: 2 ** 31 - 1, authorize: () => new Promise<boolean>((settle) => ((answer = settle), resolve())) }, ({ socket }) => socket.end('admitted').resume());
    });
    const path = socketPath('admission-late');
    await vmServer.listen(`unix:${path}`);
    try {
      const socket = await connect(`unix:${path}`);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
      await within(5000, 'authorize asked', asked);
      // Longer than the 1 ms a clamped timer would give: the connection must still be waiting.
      await new Promise<void>((resolve) => setTimeout(resolve, 20));
      answer(true);
      await within(5000, 'admitted bytes', ended);
      expect(Buffer.concat(received).toString()).to.equal('admitted');
      socket.destroy();
    } finally {
      await within(5000, 'server close', new Promise<void>((resolve) => vmServer.close(() => resolve())));
    }
  });
});

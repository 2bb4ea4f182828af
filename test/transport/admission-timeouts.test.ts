// Bounds must be timers Node can hold: 2^31 ms or Infinity would fire after 1 ms (admission would
// refuse every connection whose authorize takes longer: a silent, total refusal).
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createServer, type VmServer } from '@vmrpc/native';
import { createChannel, listen } from '@vmrpc/transport';
import { socketPath } from '../support/checks.js';

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

  it('listen() takes the largest bound a timer holds (2^31 - 1 ms) and the smallest (1 ms)', async () => {
    for (const value of [2 ** 31 - 1, 1]) {
      const server = new grpc.Server();
      const listener = await listen(server, `unix:${socketPath('admission-edge')}`, { authorizeTimeoutMs: value, handshakeTimeoutMs: value });
      await listener.close(0);
      server.forceShutdown();
    }
  });

  it("a channel given node:http2's session memory bound and no engine runs on node:http2", () => {
    const target = `unix:${socketPath('session-memory')}`;
    const channels = [
      createChannel(target, { grpc: { 'grpc-node.max_session_memory': 10 } }),
      createChannel(target, {}),
      createChannel(target, { http2: 'vmrpc', grpc: { 'grpc-node.max_session_memory': 10 } }),
    ];
    expect(channels.map((channel) => channel.http2)).to.deep.equal(['node', 'vmrpc', 'vmrpc']);
    for (const channel of channels) channel.close();
  });
});

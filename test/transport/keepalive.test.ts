// Keepalive finds a half-open connection: the peer stops answering (a frozen VM, a dead VMM)
// without closing anything, and the channel must notice within keepalive time + timeout.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { Duplex } from 'node:stream';
import { connect } from '@vmrpc/native';
import { createChannel, listen } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, conformanceServer } from './conformance-service.js';
import { unary } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';

/** A stream over a real connection that can be turned into a black hole (bytes vanish both ways). */
class FreezableLink extends Duplex {
  frozen = false;
  constructor(private readonly inner: Duplex) {
    super();
    inner.on('data', (chunk: Buffer) => {
      if (!this.frozen) this.push(chunk);
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.frozen) return callback();
    this.inner.write(chunk, callback);
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}

for (const http2 of HTTP2_ENGINES) describe(`keepalive (${http2} HTTP/2)`, () => {
  it('ends calls on a half-open connection with UNAVAILABLE within keepalive time + timeout', async () => {
    const target = `unix:${socketPath('keepalive')}`;
    const listener = await listen(conformanceServer({ cancelled: 0, peers: [] }), target);
    let link: FreezableLink | undefined;
    const channel = createChannel(async (signal) => (link = new FreezableLink(await connect(target, { signal }))), {
      grpc: { 'grpc.keepalive_time_ms': 200, 'grpc.keepalive_timeout_ms': 300, 'grpc.keepalive_permit_without_calls': 1 },
      http2,
    });
    const client = new ConformanceClient('unused', grpc.credentials.createInsecure(), { channelOverride: channel }) as unknown as ConformanceClient;
    try {
      await unary(client, {});
      const inFlight = unary(client, { delayMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      link!.frozen = true;
      const started = Date.now();
      try {
        await within(5000, 'keepalive detection', inFlight);
        expect.fail('the call succeeded over a frozen link');
      } catch (error) {
        expect((error as grpc.ServiceError).code).to.equal(grpc.status.UNAVAILABLE);
        expect((error as grpc.ServiceError).details).to.match(/keepalive|Connection to .* dropped/);
      }
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      client.close();
      await listener.close(0);
    }
  });
});

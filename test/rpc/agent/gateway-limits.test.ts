// The gateway's limits as AgentHost options (#17): validated with errors naming the option, and
// applied: the message limit to plain and compressed requests, the receive windows and the
// concurrent-stream limit to what a caller's HTTP/2 connection is offered.
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { AgentHost, Status } from '@vmrpc/rpc';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { ConformanceService } from '../generated/vmrpc/testing/v1/conformance.js';
import { gatewayFixture } from './gateway-fixture.js';
import { rpcError } from './gateway-suite.js';

describe('agent gateway: limits (unix:)', function () {
  this.timeout(20_000);

  it('refuses limits out of range with a RangeError naming the option, its range and its default', function () {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ maxMessageBytes: 0 }, /^options\.gateway\.maxMessageBytes must be an integer from 1 to 2147483647 \(got 0\); the default is 4194304$/],
      [{ streamWindowBytes: 1024 }, /^options\.gateway\.streamWindowBytes must be an integer from 65535 to 2147483647 \(got 1024\)/],
      [{ connectionWindowBytes: 2 ** 31 }, /^options\.gateway\.connectionWindowBytes must be an integer from 65535 to 2147483647/],
      [{ maxConcurrentStreams: 1.5 }, /^options\.gateway\.maxConcurrentStreams must be an integer/],
      [{ maxMessageBytes: '1mb' }, /maxMessageBytes must be an integer .*\(got 1mb\)/],
    ];
    for (const [gateway, message] of cases) {
      expect(() => new AgentHost({ gateway: gateway as never })).to.throw(RangeError, message);
    }
  });

  it('maxMessageBytes bounds plain requests with RESOURCE_EXHAUSTED naming the limit', async function () {
    const fx = await gatewayFixture({ gateway: { maxMessageBytes: 64 * 1024 } });
    const client = fx.through(ConformanceService);
    try {
      const small = await within(5000, 'under the limit', client.unary({ payload: Buffer.alloc(60 * 1024, 7) }));
      expect(small.bytesReceived).to.equal(BigInt(60 * 1024));
      const large = await rpcError(client.unary({ payload: Buffer.alloc(70 * 1024, 7) }));
      expect(large.code).to.equal(Status.RESOURCE_EXHAUSTED);
      expect(large.details).to.match(/65536/);
    } finally {
      await fx.close();
    }
  });

  it('offers callers the configured windows and concurrent-stream limit', async function () {
    const fx = await gatewayFixture({ gateway: { streamWindowBytes: 256 * 1024, connectionWindowBytes: 3 << 20, maxConcurrentStreams: 17 } });
    const path = fx.admin.slice('unix:'.length);
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
    try {
      const settings = await within(5000, 'settings', new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve)));
      expect(settings.initialWindowSize).to.equal(256 * 1024);
      expect(settings.maxConcurrentStreams).to.equal(17);
      // The connection window's WINDOW_UPDATE was sent before the PING's answer.
      await within(5000, 'ping', new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve()))));
      expect(session.state.remoteWindowSize).to.equal(3 << 20);
    } finally {
      session.destroy();
      await fx.close();
    }
  });

  async function rawStatus(admin: string, headers: http2.OutgoingHttpHeaders, frame: Buffer): Promise<{ code: string; message: string }> {
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(admin.slice('unix:'.length)) });
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/vmrpc.testing.v1.Conformance/Unary', 'content-type': 'application/grpc', te: 'trailers', 'vmrpc-agent': 'vm-gw', ...headers });
      stream.end(frame);
      stream.resume();
      const trailers = await within(5000, 'status', new Promise<http2.IncomingHttpHeaders>((resolve) => {
        stream.once('trailers', resolve);
        stream.once('response', (response) => response['grpc-status'] !== undefined && resolve(response));
      }));
      return { code: String(trailers['grpc-status']), message: decodeURIComponent(String(trailers['grpc-message'])) };
    } finally {
      session.destroy();
    }
  }

  function compressedFrame(body: Buffer): Buffer {
    const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), body]);
    frame.writeUInt32BE(body.length, 1);
    return frame;
  }

  it('a compressed message with an unknown grpc-encoding is UNIMPLEMENTED, without one INTERNAL, corrupt INTERNAL', async function () {
    const fx = await gatewayFixture();
    try {
      const body = zlib.gzipSync(Buffer.from('hello'));
      expect(await rawStatus(fx.admin, { 'grpc-encoding': 'br' }, compressedFrame(body))).to.deep.equal({
        code: String(Status.UNIMPLEMENTED),
        message: 'grpc-encoding "br" is not supported by the gateway (it takes identity,deflate,gzip)',
      });
      expect(await rawStatus(fx.admin, {}, compressedFrame(body))).to.deep.equal({ code: String(Status.INTERNAL), message: 'a message is marked compressed but the call has no grpc-encoding' });
      const corrupt = await rawStatus(fx.admin, { 'grpc-encoding': 'gzip' }, compressedFrame(Buffer.from('not gzip at all')));
      expect(corrupt.code).to.equal(String(Status.INTERNAL));
      expect(corrupt.message).to.match(/^a gzip-compressed request message does not inflate: /);
    } finally {
      await fx.close();
    }
  });

  it('an inflated request past a configured maxMessageBytes is RESOURCE_EXHAUSTED naming the limit', async function () {
    const fx = await gatewayFixture({ gateway: { maxMessageBytes: 64 * 1024 } });
    const path = fx.admin.slice('unix:'.length);
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
    try {
      // A hand-made gzip frame: 1 MiB of zeros, about 1 KiB on the wire.
      const body = zlib.gzipSync(Buffer.alloc(1 << 20));
      const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), body]);
      frame.writeUInt32BE(body.length, 1);
      const stream = session.request({ ':method': 'POST', ':path': '/vmrpc.testing.v1.Conformance/Unary', 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': 'gzip', 'vmrpc-agent': 'vm-gw' });
      stream.end(frame);
      stream.resume();
      const trailers = await within(5000, 'status', new Promise<http2.IncomingHttpHeaders>((resolve) => {
        stream.once('trailers', resolve);
        stream.once('response', (headers) => headers['grpc-status'] !== undefined && resolve(headers));
      }));
      expect(trailers['grpc-status']).to.equal(String(Status.RESOURCE_EXHAUSTED));
      expect(decodeURIComponent(String(trailers['grpc-message']))).to.equal("an inflated request message is larger than the gateway's limit of 65536 bytes");
    } finally {
      session.destroy();
      await fx.close();
    }
  });
});

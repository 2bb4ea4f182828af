// createServer()'s defaults (serverDefaults): what a hostile or broken client meets.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { RpcError, Status, closeClient, createClient, createServer, serverDefaults, type RpcServer } from '@vmrpc/rpc';
import { socketPath } from '../support/checks.js';
import { ConformanceService, type ConformanceServiceImplementation } from './generated/vmrpc/testing/v1/conformance.js';

function implementation(seen: { active: number; maxActive: number }): ConformanceServiceImplementation {
  return {
    async unary(request) {
      seen.active++;
      seen.maxActive = Math.max(seen.maxActive, seen.active);
      await new Promise((resolve) => setTimeout(resolve, request.delayMs));
      seen.active--;
      return { payload: request.payload };
    },
    async *serverStream() {},
    async clientStream() {
      return {};
    },
    async *bidi() {},
  };
}

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (error) {
    return error as RpcError;
  }
  throw new Error('the call succeeded');
}

describe('createServer() defaults', () => {
  let server: RpcServer | undefined;
  let target: string;
  const seen = { active: 0, maxActive: 0 };
  const cleanups: Array<() => unknown> = [];

  async function start(options: Parameters<typeof createServer>[0] = {}): Promise<void> {
    server = createServer({ reflection: false, ...options }).add(ConformanceService, implementation(seen));
    target = `unix:${socketPath('defaults')}`;
    await server!.listen(target);
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await server?.close(0);
    server = undefined;
    seen.maxActive = 0;
  });

  it('are 4 MiB messages, 256 concurrent streams, keepalive 2 min / 20 s', () => {
    expect(serverDefaults).to.deep.equal({
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
      'grpc.max_concurrent_streams': 256,
      'grpc.keepalive_time_ms': 120_000,
      'grpc.keepalive_timeout_ms': 20_000,
    });
    expect(Object.isFrozen(serverDefaults)).to.equal(true);
  });

  it('refuses a message over 4 MiB with RESOURCE_EXHAUSTED and keeps serving', async () => {
    await start();
    const client = createClient(ConformanceService, target);
    cleanups.push(() => closeClient(client));
    const error = await failure(client.unary({ payload: Buffer.alloc(4 * 1024 * 1024 + 1) }));
    expect(error.code).to.equal(Status.RESOURCE_EXHAUSTED);
    expect(Buffer.from((await client.unary({ payload: Buffer.from('next') })).payload).toString()).to.equal('next');
  });

  it('an option given to createServer() wins over the default', async () => {
    await start({ grpc: { 'grpc.max_receive_message_length': 1024 } });
    const client = createClient(ConformanceService, target);
    cleanups.push(() => closeClient(client));
    expect((await failure(client.unary({ payload: Buffer.alloc(2048) }))).code).to.equal(Status.RESOURCE_EXHAUSTED);
  });

  it('runs at most max_concurrent_streams handlers per connection; the other calls wait in the client', async () => {
    await start({ grpc: { 'grpc.max_concurrent_streams': 4 } });
    const client = createClient(ConformanceService, target);
    cleanups.push(() => closeClient(client));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.unary({ payload: Buffer.from([i]), delayMs: 30 })));
    expect(answers.map((answer) => answer.payload[0])).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    expect(seen.maxActive).to.be.at.most(4);
  });

  it('fails metadata over the 64 KiB header list limit and keeps serving', async () => {
    await start();
    const client = createClient(ConformanceService, target);
    cleanups.push(() => closeClient(client));
    const error = await failure(client.unary({}, { metadata: { 'x-big': 'v'.repeat(100 * 1024) } }));
    expect(error.code).to.not.equal(Status.OK);
    const again = createClient(ConformanceService, target);
    cleanups.push(() => closeClient(again));
    expect(Buffer.from((await again.unary({ payload: Buffer.from('after') })).payload).toString()).to.equal('after');
  });

  it('answers a request that is not valid protobuf with INTERNAL and keeps serving', async () => {
    await start();
    const raw = new grpc.Client(target, grpc.credentials.createInsecure(), { channelOverride: (await import('@vmrpc/transport')).createChannel(target) });
    cleanups.push(() => raw.close());
    const code = await new Promise<number>((resolve) => {
      raw.makeUnaryRequest(
        '/vmrpc.testing.v1.Conformance/Unary',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 1, length far past the end
        (error) => resolve(error?.code ?? Status.OK),
      );
    });
    expect(code).to.equal(Status.INTERNAL);
    const client = createClient(ConformanceService, target);
    cleanups.push(() => closeClient(client));
    expect(Buffer.from((await client.unary({ payload: Buffer.from('fine') })).payload).toString()).to.equal('fine');
  });
});

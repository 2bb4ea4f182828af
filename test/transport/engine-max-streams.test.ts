// The server's SETTINGS_MAX_CONCURRENT_STREAMS on the vmrpc HTTP/2 engine: calls beyond it wait
// for a stream to end instead of being sent and refused (REFUSED_STREAM, UNAVAILABLE), as on
// node:http2. The server is the stock grpc-js server over a real Unix socket; for a limit raised
// mid-connection (a later SETTINGS), a node:http2 server answering in gRPC's shape.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createChannel } from '@vmrpc/transport';
import type * as ConnectionModule from '../../packages/transport/dist/client/engine-connection.js';
import { socketPath, within } from '../support/checks.js';

const require = createRequire(import.meta.url);
const { EngineConnection } = require(join(dirname(require.resolve('@vmrpc/transport/package.json')), 'dist/client/engine-connection.js')) as typeof ConnectionModule;

const identity = (value: Buffer): Buffer => value;
const LIMIT = 2;
const CALLS = 20;

const service: grpc.ServiceDefinition = {
  Hold: { path: '/limit.Test/Hold', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

describe("the server's MAX_CONCURRENT_STREAMS on the vmrpc HTTP/2 engine", () => {
  it(`${CALLS} concurrent calls against a limit of ${LIMIT}: all succeed, never more than ${LIMIT} at the server`, async () => {
    let active = 0;
    let mostActive = 0;
    /** Calls the server holds; released together once LIMIT of them are in. */
    let held: Array<() => void> = [];
    const server = new grpc.Server({ 'grpc.max_concurrent_streams': LIMIT });
    server.addService(service, {
      Hold(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
        active++;
        mostActive = Math.max(mostActive, active);
        held.push(() => {
          active--;
          callback(null, call.request);
        });
        if (held.length === LIMIT) for (const release of held.splice(0)) release();
      },
    });
    const path = socketPath('maxstreams');
    await new Promise<number>((resolve, reject) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${path}`, { http2: 'vmrpc' }) });
    try {
      // A READY connection first, so every call starts on one that knows the limit.
      await within(5000, 'the connection', new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve()))));
      const calls = Array.from({ length: CALLS }, (_, i) =>
        new Promise<Buffer>((resolve, reject) =>
          client.makeUnaryRequest('/limit.Test/Hold', identity, identity, Buffer.from(`call ${i}`), (error, value) => (error ? reject(error) : resolve(value!))),
        ),
      );
      const answers = await within(10_000, `${CALLS} calls`, Promise.all(calls));
      expect(answers.map((answer) => answer.toString())).to.deep.equal(Array.from({ length: CALLS }, (_, i) => `call ${i}`));
      expect(mostActive, 'calls at the server at once').to.equal(LIMIT);
    } finally {
      client.close();
      await within(5000, 'server shutdown', new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
    }
  });

  it('a waiting call that is cancelled or passes its deadline leaves the queue; the next one still starts', async () => {
    const seen: string[] = [];
    let releaseFirst!: () => void;
    let firstArrived!: () => void;
    const firstAtServer = new Promise<void>((resolve) => (firstArrived = resolve));
    const server = new grpc.Server({ 'grpc.max_concurrent_streams': 1 });
    server.addService(service, {
      Hold(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
        seen.push(call.request.toString());
        if (seen.length === 1) {
          releaseFirst = () => callback(null, call.request);
          firstArrived();
        } else callback(null, call.request);
      },
    });
    const path = socketPath('maxstreams');
    await new Promise<number>((resolve, reject) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${path}`, { http2: 'vmrpc' }) });
    const call = (name: string, options: grpc.CallOptions = {}): { result: Promise<Buffer>; cancel(): void } => {
      let resolveResult!: (value: Buffer) => void;
      let rejectResult!: (error: Error) => void;
      const result = new Promise<Buffer>((resolve, reject) => ((resolveResult = resolve), (rejectResult = reject)));
      const started = client.makeUnaryRequest('/limit.Test/Hold', identity, identity, Buffer.from(name), new grpc.Metadata(), options, (error, value) => (error ? rejectResult(error) : resolveResult(value!)));
      return { result, cancel: () => started.cancel() };
    };
    try {
      await within(5000, 'the connection', new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve()))));
      const first = call('first');
      await within(5000, 'the first call at the server', firstAtServer);
      const failure = (result: Promise<Buffer>): Promise<grpc.ServiceError | undefined> => result.then(() => undefined, (error: grpc.ServiceError) => error);
      const expiring = call('expiring', { deadline: Date.now() + 200 });
      const expired = failure(expiring.result);
      const cancelled = call('cancelled');
      const cancelledFailure = failure(cancelled.result);
      const last = call('last');
      cancelled.cancel();
      const expiredError = await within(5000, 'the deadline of a waiting call', expired);
      expect(expiredError?.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
      const cancelledError = await within(5000, 'the cancelled waiting call', cancelledFailure);
      expect(cancelledError?.code).to.equal(grpc.status.CANCELLED);
      releaseFirst();
      expect((await within(5000, 'the first call', first.result)).toString()).to.equal('first');
      expect((await within(5000, 'the call queued after them', last.result)).toString()).to.equal('last');
      expect(seen, 'calls the server saw').to.deep.equal(['first', 'last']);
    } finally {
      client.close();
      await within(5000, 'server shutdown', new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
    }
  });

  it('a waiting call starts as soon as the server raises its limit with SETTINGS, not when a call ends', async () => {
    const arrived: string[] = [];
    const held: Array<() => void> = [];
    let secondArrived!: () => void;
    const secondAtServer = new Promise<void>((resolve) => (secondArrived = resolve));
    let firstArrived!: (session: http2.Http2Session) => void;
    const firstAtServer = new Promise<http2.Http2Session>((resolve) => (firstArrived = resolve));
    const server = http2.createServer({ settings: { maxConcurrentStreams: 1 } });
    server.on('stream', (stream) => {
      const body: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => body.push(chunk));
      stream.on('end', () => {
        const name = Buffer.concat(body).subarray(5).toString();
        arrived.push(name);
        held.push(() => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          const message = Buffer.from(`echo ${name}`);
          const frame = Buffer.alloc(5 + message.length);
          frame.writeUInt32BE(message.length, 1);
          message.copy(frame, 5);
          stream.end(frame);
        });
        if (arrived.length === 1) firstArrived(stream.session!);
        else secondArrived();
      });
    });
    const path = socketPath('raise');
    await new Promise<void>((resolve) => server.listen(path, resolve));
    let queued!: () => void;
    const secondQueued = new Promise<void>((resolve) => (queued = resolve));
    const whenStreamFree = EngineConnection.prototype.whenStreamFree;
    let asked = 0;
    EngineConnection.prototype.whenStreamFree = function (this: ConnectionModule.EngineConnection, waiter) {
      whenStreamFree.call(this, waiter);
      if (++asked === 2) queued();
    };
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${path}`, { http2: 'vmrpc' }) });
    const call = (name: string): Promise<string> =>
      new Promise((resolve, reject) => client.makeUnaryRequest('/raise.Test/Hold', identity, identity, Buffer.from(name), (error, value) => (error ? reject(error) : resolve(value!.toString()))));
    try {
      await within(5000, 'the connection', new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve()))));
      const first = call('first');
      const session = await within(5000, 'the first call at the server', firstAtServer);
      const second = call('second');
      await within(5000, 'the second call to ask for a stream', secondQueued);
      expect(arrived, 'calls at the server while the limit is 1').to.deep.equal(['first']);
      session.settings({ maxConcurrentStreams: 2 });
      await within(5000, 'the second call to start once the limit is raised (the first is still held)', secondAtServer);
      expect(arrived).to.deep.equal(['first', 'second']);
      for (const release of held.splice(0)) release();
      expect(await within(5000, 'both calls', Promise.all([first, second]))).to.deep.equal(['echo first', 'echo second']);
    } finally {
      EngineConnection.prototype.whenStreamFree = whenStreamFree;
      client.close();
      for (const release of held.splice(0)) release();
      await within(5000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
    }
  });
});

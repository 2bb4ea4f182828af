// The server's SETTINGS_MAX_CONCURRENT_STREAMS on the vmrpc HTTP/2 engine: calls beyond it wait
// for a stream to end instead of being sent and refused (REFUSED_STREAM, UNAVAILABLE), as on
// node:http2. The server is the stock grpc-js server over a real Unix socket.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createChannel } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';

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
});

// The fixed request headers of each method are built once per connection on the vmrpc HTTP/2
// engine: two channels with different authorities calling the same method alternately each keep
// reusing their own list (a module-wide cache had them evict each other, rebuilding every call).
// A stock grpc-js server over real Unix sockets; the lists are those handed to the engine.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createChannel } from '@vmrpc/transport';
import type * as ConnectionModule from '../../packages/transport/dist/client/engine-connection.js';
import { socketPath, within } from '../support/checks.js';

const require = createRequire(import.meta.url);
const { EngineConnection } = require(join(dirname(require.resolve('@vmrpc/transport/package.json')), 'dist/client/engine-connection.js')) as typeof ConnectionModule;

const identity = (value: Buffer): Buffer => value;
const PATH = '/lists.Test/Echo';

describe('request header lists on the vmrpc HTTP/2 engine', () => {
  it('channels with different authorities keep their own lists: each reuses its list on every call', async () => {
    const server = new grpc.Server();
    server.addService(
      { Echo: { path: PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.from(call.getPath() + ' ' + call.metadata.get(':authority').join())) },
    );
    const path = socketPath('lists');
    await new Promise<number>((resolve, reject) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
    const seen = new Map<string, Array<readonly string[]>>();
    const request = EngineConnection.prototype.request;
    EngineConnection.prototype.request = function (this: ConnectionModule.EngineConnection, headers, endStream, listener) {
      const authority = headers[headers.indexOf(':authority') + 1]!;
      seen.set(authority, [...(seen.get(authority) ?? []), headers]);
      return request.call(this, headers, endStream, listener);
    };
    const clients = ['alpha', 'beta'].map(
      (authority) => new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${path}`, { http2: 'vmrpc', grpc: { 'grpc.default_authority': authority } }) }),
    );
    try {
      const call = (client: grpc.Client): Promise<string> =>
        new Promise((resolve, reject) => client.makeUnaryRequest(PATH, identity, identity, Buffer.alloc(1), (error, value) => (error ? reject(error) : resolve(value!.toString()))));
      for (let round = 0; round < 3; round++) {
        for (const client of clients) await within(5000, 'a call', call(client));
      }
      for (const authority of ['alpha', 'beta']) {
        const lists = seen.get(authority) ?? [];
        expect(lists, `calls with :authority ${authority}`).to.have.length(3);
        expect(lists.every((list) => list === lists[0]), `${authority}: one list reused`).to.equal(true);
      }
    } finally {
      EngineConnection.prototype.request = request;
      for (const client of clients) client.close();
      await within(5000, 'server shutdown', new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
    }
  });
});

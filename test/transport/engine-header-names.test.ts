// Response header names that are also Object.prototype's (constructor, __proto__, toString) are
// metadata like any other, on either HTTP/2 engine. The server is a raw node:http2 server over a
// real Unix socket.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createChannel } from '@vmrpc/transport';
import { within } from '../support/checks.js';
import { HTTP2_ENGINES } from './engines.js';
import { nodeServer } from './h2/peers.js';

const identity = (value: Buffer): Buffer => value;

for (const engine of HTTP2_ENGINES) describe(`response headers named like Object.prototype members (http2: '${engine}')`, () => {
  it('arrive as metadata with their values (headers and trailers)', async () => {
    const server = await nodeServer((stream) => {
      stream.resume();
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', constructor: 'c-value', tostring: 't-value', hasownproperty: 'h-value', ['__proto__']: 'p-value' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', constructor: 'trailer-c', valueof: 'v-value' }));
      stream.end(Buffer.from([0, 0, 0, 0, 1, 42]));
    });
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${server.path}`, { http2: engine }) });
    try {
      let headers: grpc.Metadata | undefined;
      let status!: Promise<grpc.StatusObject>;
      const answer = await within(5000, 'unary call', new Promise<Buffer>((resolve, reject) => {
        const call = client.makeUnaryRequest('/names.Test/Call', identity, identity, Buffer.alloc(0), (error, value) => (error ? reject(error) : resolve(value!)));
        call.on('metadata', (metadata) => (headers = metadata));
        status = new Promise((resolveStatus) => call.on('status', resolveStatus));
      }));
      expect([...answer]).to.deep.equal([42]);
      const trailers = (await within(5000, 'status', status)).metadata;
      expect(headers?.get('constructor')).to.deep.equal(['c-value']);
      expect(headers?.get('tostring')).to.deep.equal(['t-value']);
      expect(headers?.get('hasownproperty')).to.deep.equal(['h-value']);
      expect(headers?.get('__proto__')).to.deep.equal(['p-value']);
      expect(trailers.get('constructor')).to.deep.equal(['trailer-c']);
      expect(trailers.get('valueof')).to.deep.equal(['v-value']);
    } finally {
      client.close();
      await server.close();
    }
  });
});

// A server that ends the connection with GOAWAY and an error code: a stock grpc-js server (its
// node:http2) does so for request metadata over its header list limit (GOAWAY
// COMPRESSION_ERROR, last stream id = the call's), and then leaves the socket open. node:http2's
// client ends the session at an error GOAWAY, and so does the vmrpc engine (RFC 9113, 5.4.1: a
// GOAWAY with an error code is a connection error; its sender must close): the call fails at once
// with UNAVAILABLE instead of waiting for a response that never comes.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createChannel, listen, type VmGrpcListener } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, conformanceServer, type ConformanceClient as Client } from './conformance-service.js';
import { expectStatus, unary } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';

for (const http2 of HTTP2_ENGINES) describe(`a server's GOAWAY with an error code (${http2} HTTP/2)`, () => {
  let listener: VmGrpcListener;
  let client: Client;
  const target = `unix:${socketPath(`goaway-error-${http2}`)}`;

  before(async () => {
    listener = await listen(conformanceServer({ cancelled: 0, peers: [] }), target);
    client = new ConformanceClient(target, grpc.credentials.createInsecure(), { channelOverride: createChannel(target, { http2 }) }) as Client;
  });

  after(async () => {
    client?.close();
    await listener?.close(0);
  });

  it('ends the call with UNAVAILABLE at once, without a deadline, and the channel serves the next call', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-big', 'v'.repeat(100 * 1024));
    const error = await expectStatus(within(5000, 'call after an error GOAWAY', unary(client, {}, metadata)), grpc.status.UNAVAILABLE);
    expect(error.details).to.match(/dropped/);
    const response = await within(5000, 'next call', unary(client, { payload: Buffer.from('after') }));
    expect(response.payload.toString()).to.equal('after');
  });
});

/**
 * The channel hands response headers and trailers to grpc-js as Metadata that decodes them on
 * first use: a call nobody asks for metadata decodes none, and what a caller does read (get,
 * getMap, clone, merge, set before reading) equals what eager decoding gave. Parity of the
 * values with the stock client is the conformance suite's; this file checks the laziness.
 */
import * as grpc from '@grpc/grpc-js';
import { clientOptions, listen } from '@vmrpc/transport';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, conformanceServer, type Request, type Response } from './conformance-service.js';
import { unary } from './conformance-suite.js';

/**
 * Counts the client's Metadata.fromHttp2Headers calls while `run` runs (the grpc-js server in this
 * process decodes each request's headers too; those carry `:path`).
 */
async function countDecodes(run: () => Promise<unknown>): Promise<number> {
  const original = grpc.Metadata.fromHttp2Headers;
  let decodes = 0;
  grpc.Metadata.fromHttp2Headers = (headers) => {
    if (headers[':path'] === undefined) decodes++;
    return original.call(grpc.Metadata, headers);
  };
  try {
    await run();
  } finally {
    grpc.Metadata.fromHttp2Headers = original;
  }
  return decodes;
}

describe('transport: response metadata decoded on first use', function () {
  let server: grpc.Server;
  let listener: Awaited<ReturnType<typeof listen>>;
  let client: ConformanceClient;

  beforeEach(async function () {
    const target = `unix:${socketPath('lazy-metadata')}`;
    server = conformanceServer({ cancelled: 0, peers: [] });
    listener = await listen(server, target);
    client = new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target)) as never;
    await within(5000, 'first call', unary(client, { payload: Buffer.from('warm') }));
  });

  afterEach(async function () {
    client.close();
    await listener.close(1000);
  });

  it('decodes no headers or trailers for a call whose caller never reads them', async function () {
    const decodes = await countDecodes(() => within(5000, 'unary', unary(client, { payload: Buffer.from('x') })));
    expect(decodes).to.equal(0);
  });

  it('decodes on first read, once, with the values eager decoding gives (text, -bin, content-type)', async function () {
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    const decodes = await countDecodes(async () => {
      const promise = unary(client, { payload: Buffer.from('x') });
      promise.call.on('metadata', (m: grpc.Metadata) => (headers = m));
      promise.call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
      await within(5000, 'unary', promise);
      await new Promise((resolve) => setImmediate(resolve));
      expect(headers?.get('x-header')).to.deep.equal(['from-server']);
      expect(headers?.get('content-type')).to.deep.equal(['application/grpc+proto']);
      expect(headers?.get('x-header')).to.deep.equal(['from-server']);
      expect(trailers?.getMap()).to.deep.equal({ 'x-trailer': 'done', 'x-trailer-bin': Buffer.from([0, 1, 2, 255]) });
    });
    expect(decodes).to.equal(2);
    expect(headers).to.be.instanceOf(grpc.Metadata);
    // Every Metadata method reaches the decoded entries: clone, merge into another, toJSON.
    expect(trailers!.clone().get('x-trailer-bin')).to.deep.equal([Buffer.from([0, 1, 2, 255])]);
    const merged = new grpc.Metadata();
    merged.merge(trailers!);
    expect(merged.get('x-trailer')).to.deep.equal(['done']);
    expect(Object.keys(headers!.toJSON())).to.include('x-header');
  });

  it('a write before any read keeps the received entries', async function () {
    let headers: grpc.Metadata | undefined;
    const promise = unary(client, { payload: Buffer.from('x') });
    promise.call.on('metadata', (m: grpc.Metadata) => (headers = m));
    await within(5000, 'unary', promise);
    await new Promise((resolve) => setImmediate(resolve));
    headers!.set('x-added', 'later');
    expect(headers!.get('x-header')).to.deep.equal(['from-server']);
    expect(headers!.get('x-added')).to.deep.equal(['later']);
  });

  it('an error status carries its trailers, decoded when the caller reads error.metadata', async function () {
    const error = (await unary(client, { payload: Buffer.from('x'), statusCode: grpc.status.FAILED_PRECONDITION, statusMessage: 'no' } as Request).then(
      (response: Response) => {
        throw new Error(`expected a failure, got ${String(response)}`);
      },
      (e: grpc.ServiceError) => e,
    )) as grpc.ServiceError;
    expect(error.code).to.equal(grpc.status.FAILED_PRECONDITION);
    expect(error.metadata.get('x-trailer')).to.deep.equal(['done']);
  });
});

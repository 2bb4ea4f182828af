// A response stream whose messages are compressed one by one (gRPC allows the flag per message):
// every client must deliver them in the order sent. grpc-js's server never compresses responses,
// so the peer is a raw node:http2 server writing valid gRPC frames: a faithful stand-in for a
// server that compresses per message (grpc-go and grpc-java can).
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { clientOptions } from '@vmrpc/transport';
import { sha256, socketPath, within } from '../support/checks.js';
import { ConformanceClient, type Request, type Response } from './conformance-service.js';
import { HTTP2_ENGINES } from './engines.js';

const MESSAGES = 64;

interface ServerStreamDefinition {
  responseSerialize(value: Response): Buffer;
}

function grpcFrame(message: Buffer, compressed: boolean): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** The responses, alternately gzip-compressed (large) and not (small), as one buffer of frames. */
function mixedResponses(): { wire: Buffer; payloads: Buffer[] } {
  const serialize = (ConformanceClient.service.ServerStream as unknown as ServerStreamDefinition).responseSerialize;
  const payloads: Buffer[] = [];
  const frames: Buffer[] = [];
  for (let index = 0; index < MESSAGES; index++) {
    const compressed = index % 2 === 0;
    // Compressible bytes for the compressed ones, so gunzip has real work and finishes later.
    const payload = compressed ? Buffer.from(randomBytes(16 << 10).toString('hex')) : randomBytes(32);
    payloads.push(Buffer.from(payload));
    const message = serialize({ payload, peer: '', echoedMetadata: [], index, bytesReceived: '0' });
    frames.push(grpcFrame(compressed ? gzipSync(message) : message, compressed));
  }
  return { wire: Buffer.concat(frames), payloads };
}

function serveMixed(path: string, wire: Buffer, encoding = 'gzip'): Promise<http2.Http2Server> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => undefined);
    stream.on('error', () => undefined); // clients reset streams they refuse
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': encoding }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    // One write: every message arrives in the same turn, the worst case for ordering.
    stream.end(wire);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

describe('a response stream mixing compressed and uncompressed messages', () => {
  const { wire, payloads } = mixedResponses();
  let server: http2.Http2Server;
  let target: string;

  before(async () => {
    const path = socketPath('mixed');
    target = `unix:${path}`;
    server = await serveMixed(path, wire);
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const clients: Record<string, () => ConformanceClient> = {
    'stock grpc-js client (reference)': () => new ConformanceClient(target, grpc.credentials.createInsecure()) as never,
    ...Object.fromEntries(
      HTTP2_ENGINES.map((http2) => [`@vmrpc/transport channel, ${http2} HTTP/2`, () => new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { http2 })) as never]),
    ),
  };

  for (const [name, makeClient] of Object.entries(clients)) {
    it(`${name}: delivers every message in the order sent, bytes intact`, async () => {
      const client = makeClient();
      try {
        const call = (client.ServerStream as unknown as (r: Request) => grpc.ClientReadableStream<Response>).call(client, { responseCount: MESSAGES });
        const received: Response[] = [];
        await within(10_000, 'mixed stream', (async () => {
          for await (const response of call) received.push(response as Response);
        })());
        expect(received.map((r) => r.index)).to.deep.equal(Array.from({ length: MESSAGES }, (_, i) => i));
        expect(received.map((r) => sha256(r.payload))).to.deep.equal(payloads.map((p) => sha256(p)));
      } finally {
        client.close();
      }
    });
  }
});

function serialize(payload: Buffer, index: number): Buffer {
  return (ConformanceClient.service.ServerStream as unknown as ServerStreamDefinition).responseSerialize({ payload, peer: '', echoedMetadata: [], index, bytesReceived: '0' });
}

/** Runs a server stream against `wire`, returning the payloads received and the final status. */
async function receive(makeClient: (target: string) => ConformanceClient, wire: Buffer, encoding: string): Promise<{ payloads: Buffer[]; code: grpc.status; details: string }> {
  const path = socketPath('compressed');
  const server = await serveMixed(path, wire, encoding);
  const client = makeClient(`unix:${path}`);
  try {
    const call = (client.ServerStream as unknown as (r: Request) => grpc.ClientReadableStream<Response>).call(client, { responseCount: 1 });
    const payloads: Buffer[] = [];
    call.on('data', (response: Response) => payloads.push(response.payload));
    call.on('error', () => undefined); // the status below carries it
    const status = await within(10_000, 'status', new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve)));
    return { payloads, code: status.code, details: status.details };
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('compressed responses: errors and encodings, as the stock client', () => {
  const channels = Object.fromEntries(
    HTTP2_ENGINES.map((http2) => [`@vmrpc/transport channel, ${http2} HTTP/2`, (target: string) => new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { http2 })) as never]),
  ) as Record<string, (target: string) => ConformanceClient>;
  const clients: Record<string, (target: string) => ConformanceClient> = {
    'stock grpc-js client (reference)': (target) => new ConformanceClient(target, grpc.credentials.createInsecure()) as never,
    ...channels,
  };
  const small = Buffer.from('small');

  for (const [name, makeClient] of Object.entries(clients)) {
    it(`${name}: deflate-compressed and plain messages, in order`, async () => {
      const wire = Buffer.concat([grpcFrame(deflateSync(serialize(small, 0)), true), grpcFrame(serialize(Buffer.from('plain'), 1), false)]);
      const result = await receive(makeClient, wire, 'deflate');
      expect(result.code, result.details).to.equal(grpc.status.OK);
      expect(result.payloads.map((p) => p.toString())).to.deep.equal(['small', 'plain']);
    });

    it(`${name}: a message that inflates beyond the receive limit is RESOURCE_EXHAUSTED`, async () => {
      const wire = grpcFrame(gzipSync(serialize(Buffer.alloc(8 << 20, 1), 0)), true);
      expect(wire.length).to.be.below(64 << 10); // small on the wire: only the inflated size is over 4 MiB
      const result = await receive(makeClient, wire, 'gzip');
      expect(result.code, result.details).to.equal(grpc.status.RESOURCE_EXHAUSTED);
      expect(result.payloads).to.deep.equal([]);
    });

    it(`${name}: a corrupt compressed message is INTERNAL, after the messages before it`, async () => {
      const wire = Buffer.concat([grpcFrame(serialize(small, 0), false), grpcFrame(Buffer.from('not gzip at all'), true)]);
      const result = await receive(makeClient, wire, 'gzip');
      expect(result.code, result.details).to.equal(grpc.status.INTERNAL);
      expect(result.payloads.map((p) => p.toString())).to.deep.equal(['small']);
    });
  }

  // The stock client fails this one without a status code (grpc-js 1.14); gRPC says INTERNAL.
  for (const [name, makeClient] of Object.entries(channels)) {
    it(`${name}: a message compressed with an encoding it does not know is INTERNAL, naming it`, async () => {
      const result = await receive(makeClient, grpcFrame(serialize(small, 0), true), 'snappy');
      expect(result.code).to.equal(grpc.status.INTERNAL);
      expect(result.details).to.contain('"snappy"');
    });
  }
});

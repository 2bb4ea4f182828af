// Flow control of calls on the vmrpc HTTP/2 engine that end with bytes nobody read: whatever the
// call held back (not yet credited to the windows) goes back to the connection when the call
// ends, also after the server ended the stream, so later calls on the connection still flow.
// The server is node:http2 over a real Unix socket.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import type * as http2 from 'node:http2';
import { createChannel } from '@vmrpc/transport';
import { within } from '../support/checks.js';
import { nodeServer, type NodeServer } from './h2/peers.js';

const identity = (value: Buffer): Buffer => value;
/** Framed, each message is 64 KiB. */
const MESSAGE = (64 << 10) - 5;
/**
 * Per call 768 KiB, within the 1 MiB stream window so the server can finish: the first message is
 * taken (grpc-js asks for one), the rest arrives while nobody asks, so it is held back. 20 calls
 * hold far more than the 8 MiB connection window if nothing gives it back.
 */
const MESSAGES_PER_CALL = 12;

function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** Answers `count` messages of `size` bytes, then an OK status; `closed` hears the stream close. */
function respond(stream: http2.ServerHttp2Stream, count: number, size: number): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  for (let i = 0; i < count; i++) stream.write(grpcFrame(Buffer.alloc(size, i)));
  stream.end();
}

describe('calls on the vmrpc HTTP/2 engine that end with unread bytes', () => {
  let server: NodeServer;
  /** Resolvers for the close of each flood stream at the server, in order. */
  const closed: Array<() => void> = [];

  before(async () => {
    server = await nodeServer((stream, headers) => {
      stream.resume(); // the request's bytes
      if (headers[':path'] === '/window.Test/Flood') {
        const done = closed.shift()!;
        stream.on('close', done);
        respond(stream, MESSAGES_PER_CALL, MESSAGE);
      } else {
        respond(stream, 1, 3);
      }
    });
  });

  after(async () => {
    await server?.close();
  });

  it('give the held-back bytes back when cancelled after the server finished: the connection keeps flowing', async () => {
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${server.path}`, { http2: 'vmrpc' }) });
    const unary = (what: string): Promise<Buffer> =>
      within(5000, what, new Promise<Buffer>((resolve, reject) =>
        client.makeUnaryRequest('/window.Test/Unary', identity, identity, Buffer.alloc(0), (error, value) => (error ? reject(error) : resolve(value!))),
      ));
    try {
      await unary('the first unary call');
      // 20 calls of 1.5 MiB each: far more than the 8 MiB connection window if held bytes leaked.
      for (let i = 0; i < 20; i++) {
        const serverDone = new Promise<void>((resolve) => closed.push(resolve));
        const call = client.makeServerStreamRequest('/window.Test/Flood', identity, identity, Buffer.alloc(0));
        call.on('error', () => undefined);
        const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
        // The stream never reads (grpc-js buffers a few messages; the rest is held back).
        await within(5000, `call ${i}: the server sent everything and its status`, serverDone);
        // A unary call behind it on the same connection: its answer comes after that status.
        await unary(`call ${i}: the unary call after the server's status`);
        call.cancel();
        expect((await within(5000, `call ${i}: status`, status)).code).to.equal(grpc.status.CANCELLED);
      }
      const answer = await unary('the unary call after 20 cancelled calls');
      expect(answer.length).to.equal(3);
    } finally {
      client.close();
    }
  });
});

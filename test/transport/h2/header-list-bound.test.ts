/**
 * A server's response header block cannot make the client build an unbounded header list: HPACK
 * lets one block of 1-byte references repeat a 4000-byte field tens of thousands of times. The
 * channel's engine advertises and enforces node:http2's default SETTINGS_MAX_HEADER_LIST_SIZE
 * (65535), so the call ends with a status, as on node:http2, instead of an exception (it was a
 * RangeError thrown out of the socket's read: a hostile server could end the client process).
 */
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createChannel } from '@vmrpc/transport';
import { socketPath, within } from '../../support/checks.js';
import { HTTP2_ENGINES } from '../engines.js';
import { PREFACE, RawPeer, rawFrame } from './raw.js';

const HEADERS = 0x1;
const CONTINUATION = 0x9;
const SETTINGS = 0x4;
const END_HEADERS = 0x4;

/** `:status 200`, then `x-a: v{4000}` added to the dynamic table, then `refs` references to it. */
function bombBlock(refs: number): Buffer {
  const value = Buffer.alloc(4000, 'v');
  // Literal with incremental indexing, new name (RFC 7541, 6.2.1); 4000 = 127 + 33 + 30 * 128.
  const field = Buffer.concat([Buffer.from([0x40, 3]), Buffer.from('x-a'), Buffer.from([0x7f, 0x80 | 33, 30]), value]);
  return Buffer.concat([Buffer.from([0x88]), field, Buffer.alloc(refs, 0x80 | 62)]);
}

function headerFrames(streamId: number, block: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < block.length; offset += 16_384) {
    const last = offset + 16_384 >= block.length;
    frames.push(rawFrame(offset === 0 ? HEADERS : CONTINUATION, last ? END_HEADERS : 0, streamId, block.subarray(offset, offset + 16_384)));
  }
  return Buffer.concat(frames);
}

for (const http2 of HTTP2_ENGINES) describe(`a server's oversized response header list (${http2} HTTP/2)`, () => {
  // 100 Ki references fit a block the engine assembles (it is under twice the list bound) and are
  // refused by the list's size; 200 Ki make a block too large to assemble at all.
  for (const refs of [100 * 1024, 200 * 1024]) {
    it(`${refs / 1024} Ki references to a 4000-byte field: the call ends with a status, the process goes on`, async () => {
      const path = socketPath(`header-bomb-${http2}`);
      const peers: RawPeer[] = [];
      const server = net.createServer((socket) => {
        const peer = new RawPeer(socket);
        peers.push(peer);
        void peer.frame('the request HEADERS', (frame) => frame.type === HEADERS, PREFACE.length).then(
          (request) => socket.write(headerFrames(request.streamId, bombBlock(refs))),
          () => undefined,
        );
        socket.write(Buffer.concat([rawFrame(SETTINGS, 0, 0), rawFrame(SETTINGS, 0x1, 0)]));
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const channel = createChannel(`unix:${path}`, { http2 });
      try {
        const status = await within(5000, 'the status of the call', new Promise<grpc.StatusObject>((resolve) => {
          const call = channel.createCall('/p.S/M', Date.now() + 10_000, null, null, 0);
          call.start(new grpc.Metadata(), { onReceiveMetadata: () => undefined, onReceiveMessage: () => undefined, onReceiveStatus: resolve });
          call.sendMessageWithContext({}, Buffer.alloc(0));
          call.halfClose();
          call.startRead();
        }));
        // The stream is reset as too large (RESOURCE_EXHAUSTED, node:http2's code); a block too
        // large to assemble at all is a connection error on the engine (UNAVAILABLE).
        const expected = http2 === 'vmrpc' && refs > 128 * 1024 ? grpc.status.UNAVAILABLE : grpc.status.RESOURCE_EXHAUSTED;
        expect(status.code, status.details).to.equal(expected);
      } finally {
        channel.close();
        for (const peer of peers) peer.socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  }
});

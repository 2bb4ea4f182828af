// A stream destroyed before grpc-js sees it must not crash the server's process. grpc-js answers
// some streams (an unknown method, a bad content type) with ServerHttp2Stream#respond(), which
// throws on a destroyed stream, outside any try. The fuzz suite found bytes that do it (seed
// 2985420989): in one write, a HEADERS frame with a large header list, a DATA frame, a GOAWAY
// from the client and a frame that never completes, so the session and its stream are destroyed
// before the stream's 'stream' event is emitted. injectConnection() guards the http2 server
// against it; this test builds those bytes by hand (it fails with the guard removed).
import * as grpc from '@grpc/grpc-js';
import { connect } from '@vmrpc/native';
import { clientOptions, listen } from '@vmrpc/transport';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, conformanceServer } from './conformance-service.js';
import { unary } from './conformance-suite.js';

/** An HPACK integer with an N-bit prefix (RFC 7541, 5.1), the prefix bits of the first byte set by `flags`. */
function hpackInteger(value: number, prefixBits: number, flags = 0): Buffer {
  const limit = (1 << prefixBits) - 1;
  if (value < limit) return Buffer.from([flags | value]);
  const bytes = [flags | limit];
  for (value -= limit; value >= 128; value >>= 7) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return Buffer.from(bytes);
}

/** A literal header field without indexing, with a literal name (RFC 7541, 6.2.2). */
function literalHeader(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00]), hpackInteger(name.length, 7), Buffer.from(name, 'latin1'), hpackInteger(value.length, 7), Buffer.from(value, 'latin1')]);
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(stream, 5);
  return Buffer.concat([header, payload]);
}

function oversizedHeadersThenData(path: string): Buffer {
  const headers = Buffer.concat([
    literalHeader(':method', 'POST'),
    literalHeader(':scheme', 'http'),
    literalHeader(':path', path),
    literalHeader(':authority', 'localhost'),
    literalHeader('content-type', 'application/grpc'),
    literalHeader('te', 'trailers'),
    literalHeader('x-big', 'v'.repeat(8339)),
  ]);
  const goaway = Buffer.alloc(8);
  goaway.writeUInt32BE(1, 4); // last stream 0, PROTOCOL_ERROR
  // A frame header announcing more bytes than will ever come, of an unknown type.
  const endless = Buffer.from([0x0f, 0xbf, 0x9d, 0x5b, 0xff, 0x0d, 0xe2, 0x3e, 0x11]);
  return Buffer.concat([
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
    frame(0x4, 0, 0, Buffer.alloc(0)), // SETTINGS
    frame(0x1, 0x4, 1, headers), // HEADERS, END_HEADERS
    frame(0x0, 0, 1, Buffer.from([0x9b, 0, 0, 0, 0x79])), // DATA: a message prefix with a bad flag
    frame(0x7, 0, 0, goaway), // GOAWAY from the client
    endless,
  ]);
}

describe('a stream destroyed before grpc-js sees it', () => {
  it('does not take the server process down, and the server goes on serving', async () => {
    const target = `unix:${socketPath('destroyed-stream')}`;
    const listener = await listen(conformanceServer({ cancelled: 0, peers: [] }), target);
    const client = new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target)) as unknown as ConformanceClient;
    try {
      // Unknown and known methods both: grpc-js answers the first with respond() at once.
      for (const path of ['/vmrpc.testing.v1.Conformance/ClientStream', '/no.Such/Method']) {
        for (let i = 0; i < 20; i++) {
          const socket = await connect(target);
          socket.on('error', () => undefined);
          socket.write(oversizedHeadersThenData(path));
          socket.resume();
          await within(5000, 'the server to close or answer', new Promise((resolve) => setTimeout(resolve, 5)));
          socket.destroy();
        }
      }
      const answer = await within(5000, 'a normal call afterwards', unary(client, { payload: Buffer.from('still here') }));
      expect(answer.payload.toString()).to.equal('still here');
    } finally {
      client.close();
      await listener.close(0);
    }
  });
});

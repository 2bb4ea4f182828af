// The engine server encodes a response straight behind room for its gRPC prefix (no second
// buffer); the bytes must be exactly those of the method's responseSerialize, framed. A
// descriptor whose responseSerialize is not its response type's encode keeps its own.
import { frameMessage, writeFrameHeader } from '@vmrpc/transport';
import { expect } from 'chai';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { responseFramer } from './engine-internals.js';

function framedBy(framer: (value: unknown) => Buffer, value: unknown): Buffer {
  const frame = framer(value);
  writeFrameHeader(frame, frame.length - 5);
  return frame;
}

describe('rpc server on the HTTP/2 engine: response framing', function () {
  it('a generated method: the framed encoding is frameMessage(responseSerialize(value)), byte for byte', function () {
    const values = [{}, { index: 7, value: 2n ** 63n - 1n }, { index: -1, value: 0n }];
    for (const value of values) {
      expect(framedBy(responseFramer(StreamingService.count), value)).to.deep.equal(frameMessage(StreamingService.count.responseSerialize(value)));
    }
    const chat = { index: 3, echoed: ['a', 'é'.repeat(300)], peer: 'unix:x' };
    expect(framedBy(responseFramer(StreamingService.chat), chat)).to.deep.equal(frameMessage(StreamingService.chat.responseSerialize(chat)));
  });

  it('a descriptor with its own responseSerialize: that one encodes', function () {
    const custom = { ...StreamingService.count, responseSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)) };
    expect(framedBy(responseFramer(custom), { index: 1 })).to.deep.equal(frameMessage(Buffer.from('{"index":1}')));
  });
});

import { FrameDecoder, FrameError, frameMessage, type FrameSink } from '@vmrpc/transport';
import { expect } from 'chai';

/** Every message decode() hands on, copied at once (the sink contract), with its flag. */
function collect(): FrameSink & { got: { message: Buffer; compressed: boolean; view: boolean }[]; chunk: Buffer | undefined } {
  return {
    got: [],
    chunk: undefined,
    onMessage(message, compressed) {
      const view = this.chunk !== undefined && message.buffer === this.chunk.buffer && message.byteOffset >= this.chunk.byteOffset && message.byteOffset < this.chunk.byteOffset + this.chunk.length;
      this.got.push({ message: Buffer.from(message), compressed, view });
    },
  };
}

describe('gRPC message framing (FrameDecoder, frameMessage)', () => {
  const messages = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(300, 7), Buffer.from('last')];
  const stream = Buffer.concat([frameMessage(messages[0]!), frameMessage(messages[1]!, true), frameMessage(messages[2]!), frameMessage(messages[3]!)]);

  it('decode(): the same messages and flags however the bytes are split; a message whole in a chunk is a view of it', () => {
    for (const size of [1, 2, 4, 5, 6, 7, 64, stream.length]) {
      const decoder = new FrameDecoder(1024);
      const sink = collect();
      for (let offset = 0; offset < stream.length; offset += size) {
        sink.chunk = stream.subarray(offset, offset + size);
        decoder.decode(sink.chunk, sink);
      }
      expect(decoder.midMessage, `split ${size}`).to.equal(false);
      expect(sink.got.map((item) => item.message), `split ${size}`).to.deep.equal(messages);
      expect(sink.got.map((item) => item.compressed)).to.deep.equal([false, true, false, false]);
      if (size === stream.length) expect(sink.got.every((item) => item.view)).to.equal(true);
    }
  });

  it('push(): owned buffers, never views of the chunk', () => {
    const chunk = Buffer.from(stream);
    const frames = new FrameDecoder(1024).push(chunk);
    // The chunk's memory reused (as a socket's read buffer may be): the messages keep their bytes.
    chunk.fill(0xee);
    expect(frames.map((frame) => frame.message)).to.deep.equal(messages);
  });

  it('midMessage inside a prefix or a body; FrameError for a bad flag and, at the prefix, for a message over the limit', () => {
    const decoder = new FrameDecoder(10);
    decoder.decode(stream.subarray(0, 3), collect());
    expect(decoder.midMessage).to.equal(true);
    const bad = frameMessage(Buffer.from('x'));
    bad[0] = 2;
    expect(() => new FrameDecoder(10).decode(bad, collect()))
      .to.throw(FrameError, 'invalid compressed flag 2 in a message header')
      .with.property('tooLarge', false);
    // Only the prefix of an 11-byte message: refused before its body arrives.
    const tooLarge = frameMessage(Buffer.alloc(11)).subarray(0, 5);
    expect(() => new FrameDecoder(10).decode(tooLarge, collect()))
      .to.throw(FrameError, 'Received message larger than max (11 vs. 10)')
      .with.property('tooLarge', true);
  });
});

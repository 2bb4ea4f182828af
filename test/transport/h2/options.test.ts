// Bad session options fail at createH2Session() with a message naming the option and the range.
import { createH2Session, type H2SessionOptions } from '@vmrpc/transport';
import { expect } from 'chai';
import { PassThrough } from 'node:stream';

function failure(options: H2SessionOptions): string {
  const socket = new PassThrough(); // never written: the options are refused first
  try {
    createH2Session(socket, options);
  } catch (error) {
    expect(socket.listenerCount('data'), 'no listener left behind').to.equal(0);
    return (error as Error).message;
  }
  throw new Error('createH2Session accepted the options');
}

describe('h2 engine: session options', () => {
  it('names the bad option and its range', () => {
    expect(failure({ role: 'peer' as 'client' })).to.equal("H2SessionOptions.role must be 'client' or 'server', got peer");
    expect(failure({ role: 'client', highWaterMark: -1 })).to.equal('H2SessionOptions.highWaterMark must be a number of bytes >= 0, got -1');
    expect(failure({ role: 'client', connectionWindowBytes: 1000 })).to.equal('H2SessionOptions.connectionWindowBytes must be an integer from 65535 to 2^31-1, got 1000');
    expect(failure({ role: 'server', settings: { maxFrameSize: 1000 } })).to.equal('H2Settings.maxFrameSize must be an integer from 16384 to 16777215, got 1000');
    expect(failure({ role: 'server', settings: { initialWindowSize: 2 ** 31 } })).to.equal('H2Settings.initialWindowSize must be an integer from 0 to 2147483647, got 2147483648');
  });
});

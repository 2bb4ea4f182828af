// A caller that stops reading must hold the agent back, not fill the host's memory: flow control
// runs from the caller's HTTP/2 stream through the gateway to the agent's call link. The caller
// is raw node:http2 (it reads nothing until told), the agent streams 256 MiB in 64 KiB messages.
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import { FrameDecoder, frameMessage } from '@vmrpc/transport';
import { sha256, within } from '../../support/checks.js';
import { ConformanceService } from '../generated/vmrpc/testing/v1/conformance.js';
import { pollUntil } from '../waits.js';
import { chunkOf, gatewayFixture, type GatewayFixture } from './gateway-fixture.js';

const SIZE = 64 * 1024;
const COUNT = 4096; // 256 MiB
const MiB = 1024 * 1024;

function buffered(): number {
  const usage = process.memoryUsage();
  return usage.arrayBuffers + usage.heapUsed;
}

describe('agent gateway: a caller that stops reading (unix:)', function () {
  this.timeout(60_000);
  let fx: GatewayFixture;
  let session: http2.ClientHttp2Session | undefined;

  beforeEach(async function () {
    fx = await gatewayFixture();
  });
  afterEach(async function () {
    session?.destroy();
    await fx.close();
  });

  it('keeps host memory bounded while the caller does not read, then delivers all 256 MiB exactly', async function () {
    const path = fx.admin.slice('unix:'.length);
    session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
    const stream = session.request({
      ':method': 'POST',
      ':path': ConformanceService.serverStream.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'vmrpc-agent': 'vm-gw',
    });
    stream.end(frameMessage(ConformanceService.serverStream.requestSerialize({ responseCount: COUNT, responseSize: SIZE })));
    await within(5000, 'response headers', once(stream, 'response'));
    // The caller reads nothing from here on.
    stream.pause();
    const before = buffered();
    // Polled: the fixture's count of produced messages (gateway-fixture.ts) emits no event.
    await pollUntil('the agent starts producing (8 messages)', () => fx.bulk.produced >= 8, 10_000);
    // Proving that something does not happen needs a window: unbounded buffering would move the
    // whole 256 MiB within it (the same path carries several hundred MiB/s here).
    const ranAway = await pollUntil('the agent runs away (400 messages)', () => fx.bulk.produced >= 400, 2000).then(() => true, () => false);
    const grown = buffered() - before;
    expect(ranAway, `the agent produced ${fx.bulk.produced} messages while the caller read none`).to.equal(false);
    expect(grown, `host memory grew by ${(grown / MiB).toFixed(1)} MiB`).to.be.below(48 * MiB);

    // Reading again: everything arrives, in order, exactly.
    const decoder = new FrameDecoder(4 * MiB);
    let index = 0;
    let mismatch: string | undefined;
    stream.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const response = ConformanceService.serverStream.responseDeserialize(frame.message);
        if (response.index !== index || sha256(Buffer.from(response.payload)) !== sha256(chunkOf(index, SIZE))) mismatch ??= `response ${index}`;
        index++;
      }
    });
    stream.resume();
    const [trailers] = (await within(40_000, 'the rest of the stream', once(stream, 'trailers'))) as [http2.IncomingHttpHeaders];
    expect(mismatch).to.equal(undefined);
    expect(index).to.equal(COUNT);
    expect(trailers['grpc-status']).to.equal('0');
  });
});

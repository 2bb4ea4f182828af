// How the channel ends a call it cancels: RST_STREAM(CANCEL) alone, so the server never sees the
// request stream end normally first (Node's stream.close() sends END_STREAM, then RST_STREAM,
// which makes a cancelled request stream look complete to the server for a moment).
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { clientOptions } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, type Request, type Response } from './conformance-service.js';
import { HTTP2_ENGINES } from './engines.js';

interface Observed {
  /** The request stream ended (END_STREAM) before any reset: a cancel looks complete for a moment. */
  endedBeforeReset: boolean;
  rstCode: number;
}

function observingServer(path: string, observed: (result: Observed) => void, gotData: () => void): Promise<http2.Http2Server> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    let endedBeforeReset = false;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.on('data', gotData);
    // Node emits 'end' for a reset stream too, but only after it has recorded the RST code.
    stream.on('end', () => (endedBeforeReset = !stream.rstCode));
    stream.on('error', () => undefined);
    stream.on('close', () => observed({ endedBeforeReset, rstCode: stream.rstCode }));
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

for (const engine of HTTP2_ENGINES) describe(`a call the channel cancels (${engine} HTTP/2)`, () => {
  const makeClient = (target: string): ConformanceClient => new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { http2: engine })) as never;
  it('a cancelled client stream is reset with CANCEL, without END_STREAM before it', async () => {
    const path = socketPath('reset');
    let gotData!: () => void;
    const dataArrived = new Promise<void>((resolve) => (gotData = resolve));
    let observe!: (result: Observed) => void;
    const observed = new Promise<Observed>((resolve) => (observe = resolve));
    const server = await observingServer(path, observe, gotData);
    const client = makeClient(`unix:${path}`);
    try {
      const call = (client.ClientStream as unknown as (cb: (e: grpc.ServiceError | null, r?: Response) => void) => grpc.ClientWritableStream<Request>).call(client, () => undefined);
      call.write({ payload: Buffer.from('first') });
      await within(5000, 'first message at the server', dataArrived);
      call.cancel();
      const result = await within(5000, 'stream closed at the server', observed);
      expect(result).to.deep.equal({ endedBeforeReset: false, rstCode: http2.constants.NGHTTP2_CANCEL });
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

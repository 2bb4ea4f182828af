/** An HTTP/2 test server (echo, bulk, peer, a body cut short) and a client request helper. */
import * as http2 from 'node:http2';
import { peerOf } from '@vmrpc/http';
import { within } from '../../support/checks.js';
import { BULK } from './app.js';

export interface H2Reply {
  status: number;
  body: Buffer;
}

/** Handles the test paths on any HTTP/2 server (plain or secure). */
export function handleTestStreams(server: http2.Http2Server | http2.Http2SecureServer): void {
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    switch (headers[':path']) {
      case '/echo':
        stream.respond({ ':status': 200 });
        stream.pipe(stream);
        return;
      case '/bulk':
        stream.respond({ ':status': 200 });
        return void stream.end(BULK.data);
      case '/peer':
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        return void stream.end(JSON.stringify({ peer: peerOf(stream) ?? null, authority: headers[':authority'] }));
      case '/cut':
        stream.respond({ ':status': 200, 'content-length': BULK.data.length });
        return void stream.write(BULK.data.subarray(0, 256 * 1024), () => stream.session?.destroy());
      default:
        stream.respond({ ':status': 404 });
        stream.end();
    }
  });
}

/** One request on `session`, read to its end (bounded). */
export function h2Request(session: http2.ClientHttp2Session, path: string, body?: Buffer[], options: { signal?: AbortSignal } = {}): Promise<H2Reply> {
  return within(
    15_000,
    `HTTP/2 ${path}`,
    new Promise<H2Reply>((resolve, reject) => {
      const stream = session.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST' }, { signal: options.signal });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', reject);
      // A stream whose connection went away still emits 'end'; only its close code tells.
      stream.once('close', () => {
        if (stream.rstCode === http2.constants.NGHTTP2_NO_ERROR) resolve({ status, body: Buffer.concat(chunks) });
        else reject(Object.assign(new Error(`HTTP/2 stream closed with code ${stream.rstCode}`), { code: 'ERR_HTTP2_STREAM_ERROR' }));
      });
      if (body === undefined) return;
      const write = (index: number): void => {
        if (index === body.length) return void stream.end();
        stream.write(body[index], () => write(index + 1));
      };
      write(0);
    }),
  );
}

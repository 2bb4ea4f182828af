/**
 * One request by node:http2 (nghttp2, a real HTTP/2 peer) with exactly the headers and bytes a
 * test chooses: what a gRPC client library would never send (a wrong method or content type,
 * a bad grpc-timeout, an unknown encoding), and what the response looked like on the wire.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { within } from '../../support/checks.js';

export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  /** Trailers, when the response had any besides its headers (not for Trailers-Only). */
  trailers: http2.IncomingHttpHeaders | undefined;
  data: Buffer;
  /** The stream's RST_STREAM code as node:http2 reports it at close (0: NO_ERROR). */
  rstCode: number;
}

export interface RawRequest {
  path: string;
  method?: string;
  contentType?: string;
  headers?: http2.OutgoingHttpHeaders;
  /** DATA to send (gRPC-framed or not: as given). */
  body?: Buffer[];
  /** End the request after the body (default true). */
  end?: boolean;
}

/** A request stream on a fresh connection to the Unix socket `path`; destroy its session when done. */
export function openStream(path: string, request: RawRequest): { session: http2.ClientHttp2Session; stream: http2.ClientHttp2Stream } {
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
  session.on('error', () => undefined);
  const stream = session.request(
    { ':method': request.method ?? 'POST', ':path': request.path, 'content-type': request.contentType ?? 'application/grpc', te: 'trailers', ...request.headers },
    { endStream: false },
  );
  stream.on('error', () => undefined);
  return { session, stream };
}

/** Sends one request on a fresh connection to the Unix socket `path`; resolves at the stream's close. */
export async function rawCall(path: string, request: RawRequest): Promise<RawResponse> {
  const { session, stream } = openStream(path, request);
  try {
    for (const chunk of request.body ?? []) stream.write(chunk);
    if (request.end !== false) stream.end();
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const data: Buffer[] = [];
    stream.on('response', (received) => (headers = received));
    stream.on('trailers', (received) => (trailers = received));
    stream.on('data', (chunk: Buffer) => data.push(chunk));
    await within(5000, `raw call ${request.path}`, new Promise<void>((resolve) => stream.once('close', () => resolve())));
    return { headers, trailers, data: Buffer.concat(data), rstCode: stream.rstCode ?? -1 };
  } finally {
    session.destroy();
  }
}

/**
 * The first bytes of an accepted connection, read before grpc-js sees it: a peer must open with
 * the HTTP/2 client preface (or, with TLS, a TLS handshake record) within a bound. A peer that
 * connects and stays silent would otherwise hold a connection and an HTTP/2 session for ever,
 * and a peer that sends something else is dropped before any HTTP/2 state exists for it.
 * The bytes read are put back with unshift(), so node:http2 reads the stream from its start.
 */
import type { Duplex } from 'node:stream';
import { CLIENT_MAGIC } from '../h2/frame';

/** What every HTTP/2 client sends first (RFC 9113, 3.4). */
export const HTTP2_CLIENT_PREFACE: Buffer = CLIENT_MAGIC;
/** A TLS connection opens with a handshake record (content type 22). */
export const TLS_HANDSHAKE_RECORD = Buffer.from([0x16]);

/**
 * Resolves once `expected` has arrived on the paused `stream`; rejects when other bytes arrive,
 * the stream ends or fails first, or `timeoutMs` passes. Never consumes a byte.
 */
export function awaitPreface(stream: Duplex, expected: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      stream.removeListener('readable', onReadable);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onEnd);
      stream.removeListener('error', onError);
      if (buffered.length > 0 && !stream.destroyed) stream.unshift(buffered);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const compared = Math.min(buffered.length, expected.length);
        if (!buffered.subarray(0, compared).equals(expected.subarray(0, compared))) {
          return finish(new Error(`the peer did not open with ${expected === TLS_HANDSHAKE_RECORD ? 'a TLS handshake' : 'the HTTP/2 preface'}`));
        }
        if (compared === expected.length) return finish();
      }
    };
    const onEnd = (): void => finish(new Error('the peer closed the connection before the HTTP/2 preface'));
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(() => finish(new Error(`no HTTP/2 preface within ${timeoutMs} ms`)), timeoutMs);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    onReadable();
  });
}

/** The server role's check of the client connection preface (RFC 9113, 3.4), chunk by chunk. */
import { ConnectionError } from './errors';
import { CLIENT_MAGIC } from './frame';
import { H2ErrorCode } from './types';

/** How many bytes of `chunk` continue the preface after `checked` bytes of it, or -1 when they differ. */
export function checkClientPreface(chunk: Buffer, checked: number): number {
  const take = Math.min(chunk.length, CLIENT_MAGIC.length - checked);
  return chunk.compare(CLIENT_MAGIC, checked, checked + take, 0, take) === 0 ? take : -1;
}

export function notAPreface(chunk: Buffer): ConnectionError {
  const got = JSON.stringify(chunk.subarray(0, Math.min(chunk.length, 32)).toString('latin1'));
  return new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `the peer did not send the HTTP/2 client preface: it began with ${got}`);
}

/** The server role's check of the client connection preface (RFC 9113, 3.4), chunk by chunk. */
import { ConnectionError } from './errors';
import { CLIENT_MAGIC } from './frame';
import { H2ErrorCode } from './types';

export class ClientPrefaceCheck {
  /** Bytes of the preface seen so far. */
  private checked = 0;

  get done(): boolean {
    return this.checked === CLIENT_MAGIC.length;
  }

  /** What of `chunk` follows the preface (empty while it goes on); undefined when it is not the preface. */
  take(chunk: Buffer): Buffer | undefined {
    const take = Math.min(chunk.length, CLIENT_MAGIC.length - this.checked);
    if (chunk.compare(CLIENT_MAGIC, this.checked, this.checked + take, 0, take) !== 0) return undefined;
    this.checked += take;
    return chunk.subarray(take);
  }
}

export function notAPreface(chunk: Buffer): ConnectionError {
  const got = JSON.stringify(chunk.subarray(0, Math.min(chunk.length, 32)).toString('latin1'));
  return new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `the peer did not send the HTTP/2 client preface: it began with ${got}`);
}

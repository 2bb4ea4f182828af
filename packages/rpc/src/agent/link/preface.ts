/**
 * The link preface: one text line a dialer sends before anything else on an agent link whose
 * HTTP/2 roles are not the plain ones (the dialer as HTTP/2 client). The listener answers `OK`
 * or `ERR <reason>` and closes. A plain gRPC connection starts with HTTP/2's own preface
 * (`PRI * HTTP/2.0`), which is how a listener tells the two apart from the first byte.
 *
 *   VMRPC-LINK/1 session\n                      the listener becomes the HTTP/2 client and opens
 *                                               an agent session (a host dialing an agent)
 *   VMRPC-LINK/1 calls <session-id> <token>\n   the dialer becomes the HTTP/2 server and serves
 *                                               the agent's services on it (a call link)
 */
import type { Duplex } from 'node:stream';

export const PREFACE_MAGIC = 'VMRPC-LINK/1';
/** Longer lines are garbage; a valid one is well under this. */
export const MAX_PREFACE_BYTES = 256;

export type LinkPreface = { kind: 'session' } | { kind: 'calls'; sessionId: string; token: Buffer };

/** What the first bytes of a connection say it is. */
export type LinkOpening = { kind: 'grpc' } | LinkPreface;

export function formatPreface(preface: LinkPreface): string {
  if (preface.kind === 'session') return `${PREFACE_MAGIC} session\n`;
  return `${PREFACE_MAGIC} calls ${preface.sessionId} ${preface.token.toString('base64url')}\n`;
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** Parses a preface line (without its newline); throws an Error naming what is wrong. */
export function parsePreface(line: string): LinkPreface {
  const words = line.split(' ');
  if (words[0] !== PREFACE_MAGIC) throw new Error(`not a vmrpc link preface (starts ${JSON.stringify(line.slice(0, 16))})`);
  if (words[1] === 'session' && words.length === 2) return { kind: 'session' };
  if (words[1] === 'calls' && words.length === 4) {
    const [, , sessionId = '', token = ''] = words;
    if (!SESSION_ID.test(sessionId)) throw new Error('malformed session id in link preface');
    if (!TOKEN.test(token)) throw new Error('malformed token in link preface');
    return { kind: 'calls', sessionId, token: Buffer.from(token, 'base64url') };
  }
  throw new Error(`unknown link preface ${JSON.stringify(line.slice(0, 40))}`);
}

/**
 * Reads one line (up to `limit` bytes) from a paused stream and puts whatever followed it back
 * with unshift(), so the next reader (node:http2 included) sees the stream from there on.
 * `firstByteOnly` stops after one byte when it is not `V` (an HTTP/2 preface: nothing to read).
 */
export function readLine(stream: Duplex, options: { timeoutMs: number; limit?: number; sniff?: boolean; what: string }): Promise<string | undefined> {
  const limit = options.limit ?? MAX_PREFACE_BYTES;
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const finish = (error: Error | null, line?: string, rest?: Buffer): void => {
      clearTimeout(timer);
      stream.removeListener('readable', onReadable);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onEnd);
      stream.removeListener('error', onError);
      if (rest !== undefined && rest.length > 0) stream.unshift(rest);
      if (error) reject(error);
      else resolve(line);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        if (options.sniff === true && buffered[0] !== 0x56 /* V */) return finish(null, undefined, buffered);
        const newline = buffered.indexOf(0x0a);
        if (newline >= 0) return finish(null, buffered.subarray(0, newline).toString('latin1'), buffered.subarray(newline + 1));
        if (buffered.length > limit) return finish(new Error(`${options.what}: no newline in the first ${limit} bytes`));
      }
    };
    const onEnd = (): void => finish(new Error(`${options.what}: the peer closed the connection before a full line`));
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(() => finish(new Error(`${options.what}: no line within ${options.timeoutMs} ms`)), options.timeoutMs);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    onReadable();
  });
}

/** Reads a connection's opening: a plain gRPC connection, or a link preface. */
export async function readOpening(stream: Duplex, timeoutMs: number): Promise<LinkOpening> {
  const line = await readLine(stream, { timeoutMs, sniff: true, what: 'link preface' });
  return line === undefined ? { kind: 'grpc' } : parsePreface(line);
}

/** The dialer's side: waits for `OK`, or fails with the listener's `ERR` reason. */
export async function readAnswer(stream: Duplex, timeoutMs: number, target: string): Promise<void> {
  const line = await readLine(stream, { timeoutMs, what: `link to ${target}` });
  if (line === 'OK') return;
  if (line?.startsWith('ERR ') === true) throw new Error(`link to ${target} refused: ${line.slice(4)}`);
  throw new Error(`link to ${target}: unexpected answer ${JSON.stringify(line?.slice(0, 40))}`);
}

/** Answers a preface with a refusal and closes the connection once it is written. */
export function refuse(stream: Duplex, reason: string): void {
  stream.end(`ERR ${reason.replace(/[\r\n]/g, ' ').slice(0, 200)}\n`);
  // A peer that never reads must not hold the socket open.
  setTimeout(() => stream.destroy(), 1000).unref();
}

import { createHash, randomBytes } from 'node:crypto';
import type { VmSocket } from './native.js';

/** What both halves of the nested test agree on. */
export const OUTER_CID = 2; // the outer guest is the inner guest's host
export const INNER_CID = 3;
export const OUTER_PORT = 5201;
export const INNER_PORT = 5202;
export const PAYLOAD_BYTES = 1024 * 1024;
/** The second, VMADDR_FLAG_TO_HOST connection of the inner guest carries this much. */
export const TO_HOST_PAYLOAD_BYTES = 64 * 1024;
/** Printed by inner.js once it listens; outer.js waits for it before connecting. */
export const INNER_READY_LINE = `nested-inner: listening on vsock:any:${INNER_PORT}`;

const started = Date.now();

/** A progress line stamped with seconds since this process started. */
export function say(who: string, message: string): void {
  process.stdout.write(`${who} +${((Date.now() - started) / 1000).toFixed(1)}s: ${message}\n`);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Sends `bytes` random bytes, half-closes, reads the echo until the peer
 * ends, and checks the echo's length and sha256 against what was sent.
 */
export async function sendAndVerifyEcho(socket: VmSocket, bytes: number, timeoutMs: number): Promise<{ ms: number; digest: string }> {
  const payload = randomBytes(bytes);
  const expected = sha256(payload);
  const hash = createHash('sha256');
  let received = 0;
  const start = Date.now();
  const echoed = new Promise<void>((resolvePromise, reject) => {
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
    });
    socket.once('end', () => resolvePromise());
    socket.once('error', reject);
  });
  socket.write(payload);
  socket.end();
  await withTimeout(echoed, timeoutMs, `echo of ${bytes} bytes`);
  const digest = hash.digest('hex');
  if (received !== bytes) throw new Error(`echo returned ${received} bytes, sent ${bytes}`);
  if (digest !== expected) throw new Error(`echo sha256 ${digest} differs from the sent ${expected}`);
  return { ms: Date.now() - start, digest };
}

/** Echoes everything back and ends when the peer ends; resolves when the socket has closed. */
export function echo(socket: VmSocket): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.pipe(socket);
    socket.once('error', reject);
    socket.once('close', () => resolvePromise(bytes));
  });
}

/** The CID of a socket's peer, or a description of what was there instead. */
export function peerCid(socket: VmSocket): number | string {
  const peer = socket.remoteVmAddress;
  return peer?.family === 'vsock' ? peer.cid : `non-vsock peer ${JSON.stringify(peer)}`;
}

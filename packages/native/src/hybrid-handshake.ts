/**
 * The host side of the hybrid vsock handshake (Firecracker, Cloud Hypervisor): the host writes
 * `CONNECT <port>\n` on the VMM's Unix socket; when a guest process accepts, the VMM answers
 * `OK <host_port>\n` before any data. If no guest process accepts, the VMM closes the socket
 * without a word. The reply is peeked (MSG_PEEK) and read exactly up to its newline, so no byte
 * of the guest's stream is lost or mistaken for the reply.
 */
import { VmError } from './errors';

/** The request line for guest vsock port `port`. */
export function hybridConnectRequest(port: number): Buffer {
  return Buffer.from(`CONNECT ${port}\n`, 'latin1');
}

/** Longest reply accepted ("OK 4294967295\n" is 14 bytes; leave room for spaces and CR). */
export const MAX_HYBRID_REPLY_BYTES = 32;

/** What the bytes peeked so far say about the reply. */
export type HybridReply =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'ok'; readonly hostPort: number }
  | { readonly kind: 'invalid'; readonly error: VmError };

/** Interprets the reply bytes read so far after CONNECT was sent. */
export function parseHybridReply(peeked: Buffer, target: string): HybridReply {
  const newline = peeked.indexOf(0x0a);
  if (newline < 0) {
    if (peeked.length >= MAX_HYBRID_REPLY_BYTES) return invalid(target, peeked, `no newline within ${MAX_HYBRID_REPLY_BYTES} bytes`);
    return { kind: 'incomplete' };
  }
  const line = peeked.subarray(0, newline).toString('latin1').replace(/\r$/, '');
  const match = /^OK ([0-9]{1,10})$/i.exec(line);
  const hostPort = match === null ? NaN : Number(match[1]);
  if (!Number.isInteger(hostPort) || hostPort > 0xffffffff) return invalid(target, peeked.subarray(0, newline), 'expected "OK <host port>"');
  return { kind: 'ok', hostPort };
}

function invalid(target: string, bytes: Buffer, problem: string): HybridReply {
  const shown = JSON.stringify(bytes.subarray(0, MAX_HYBRID_REPLY_BYTES).toString('latin1'));
  return {
    kind: 'invalid',
    error: new VmError(
      'ERR_VMRPC_HANDSHAKE',
      `connect ${target}: the VMM's reply to CONNECT is not valid (${problem}; got ${shown}). Is this the hybrid vsock socket of a Firecracker or Cloud Hypervisor VM?`,
    ),
  };
}

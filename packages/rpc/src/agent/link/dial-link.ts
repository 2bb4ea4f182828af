/**
 * Dialing a link that starts with a preface: connect, send the line, wait for `OK`. The answer
 * is bounded by the handshake timeout and the connect by the connect timeout; `signal` cancels
 * either. Bytes the listener sent after `OK` stay in the socket for the HTTP/2 side.
 */
import type { Duplex } from 'node:stream';
import { connect, formatTarget, type ConnectOptions, type VmAddress } from '@vmrpc/native';
import { formatPreface, readAnswer, type LinkPreface } from './preface';

export interface DialLinkOptions {
  signal: AbortSignal;
  connect?: Omit<ConnectOptions, 'signal'> | undefined;
  handshakeTimeoutMs: number;
}

/** Where a link goes: a target, or a function that opens a connected stream (as a channel's SocketFactory). */
export type LinkTarget = string | VmAddress | ((signal: AbortSignal) => Promise<Duplex>);

export async function dialLink<S extends Duplex = Duplex>(target: LinkTarget, preface: LinkPreface, options: DialLinkOptions): Promise<S> {
  const socket = (typeof target === 'function' ? await target(options.signal) : await connect(target, { ...options.connect, signal: options.signal })) as S;
  const name = typeof target === 'function' ? 'custom' : typeof target === 'string' ? target : formatTarget(target);
  const onAbort = (): void => {
    socket.destroy();
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    socket.pause();
    socket.write(formatPreface(preface));
    await readAnswer(socket, options.handshakeTimeoutMs, name);
    if (options.signal.aborted) throw new Error('link dial cancelled');
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

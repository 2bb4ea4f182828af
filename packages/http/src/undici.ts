/**
 * @vmrpc/http/undici: an undici Dispatcher whose connections are VM sockets, so that
 * `fetch(url, { dispatcher })`, `request()`, `stream()` and everything else built on undici's
 * Dispatcher reaches a guest. It is undici's own Agent (pooling, pipelining, keep-alive, HTTP/1.1),
 * given a `connect` function that opens a VM socket instead of a TCP one.
 *
 *   import { fetch } from 'undici';
 *   const dispatcher = createVmDispatcher({ target: 'vsock:3:8080' });
 *   await fetch('http://api.internal/health', { dispatcher });   // Host: api.internal
 *
 * Requires the optional peer dependency `undici` (6.21 or 7).
 */
import type { Socket } from 'node:net';
import { checkConnectOptions } from '@vmrpc/native';
import { Agent, buildConnector } from 'undici';
import { openVmSocket, type VmConnectOptions } from './client/connection';
import { checkTargetOption, resolveTarget, type TargetOption } from './target';

/** Options of {@link createVmDispatcher}: where to connect, how, and undici Agent options. */
export interface VmDispatcherOptions extends VmConnectOptions, Omit<Agent.Options, 'connect'> {
  /** Where connections go: a target such as `vsock:3:8080`, or a function of the request's origin. */
  target: TargetOption;
  /** TLS options for `https:` URLs (ca, cert, key, rejectUnauthorized, servername...). */
  tlsOptions?: buildConnector.BuildOptions;
}

/** Creates an undici Agent that opens every connection as a VM socket to `options.target`. */
export function createVmDispatcher(options: VmDispatcherOptions): Agent {
  const { target, tlsOptions, connectTimeout, dataPath, toHost, bufferSize, hvsock, ...agentOptions } = options;
  const targetOption = checkTargetOption(target, 'createVmDispatcher');
  // Checked now, so that a bad option fails here and not in every request.
  const connectOptions = checkConnectOptions({ connectTimeout, dataPath, toHost, bufferSize, hvsock });
  const tlsConnector = buildConnector({ ...tlsOptions });
  const connect: buildConnector.connector = (origin, callback) => {
    let socket;
    try {
      const port = Number(origin.port === '' || origin.port === undefined ? (origin.protocol === 'https:' ? 443 : 80) : origin.port);
      const vmTarget = resolveTarget(targetOption, { protocol: origin.protocol, hostname: origin.hostname, port }, 'createVmDispatcher');
      socket = openVmSocket(vmTarget.address, connectOptions) as unknown as Socket;
    } catch (error) {
      return void callback(error as Error, null);
    }
    if (origin.protocol === 'https:') return void tlsConnector({ ...origin, httpSocket: socket }, callback);
    const onError = (error: Error): void => callback(error, null);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      callback(null, socket);
    });
  };
  return new Agent({ ...agentOptions, connect });
}

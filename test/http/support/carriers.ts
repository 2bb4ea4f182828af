/**
 * The VM socket carriers every HTTP suite runs over, each giving a client target for a server:
 * - unix: serve() on a Unix socket (the same code path as vsock on the host),
 * - hybrid-vsock: the host dials a Firecracker-style muxer (STAND-IN, test/support) whose "guest"
 *   hands each connection to the server, as a guest's vsock listener would,
 * - vsock: serve() on vsock loopback (CID 1), only inside the VM harness.
 */
import type * as net from 'node:net';
import { serve, type ServeOptions, type VmHttpListener } from '@vmrpc/http';
import { FirecrackerMuxerStandIn } from '../../support/firecracker-muxer-standin.js';
import { socketPath } from '../../support/checks.js';
import { freshVsockPort } from '../../support/vsock-gate.js';

export interface Served {
  /** What clients pass as `target`. */
  target: string;
  /** The serve() listener, where the carrier uses one (not for the hybrid stand-in). */
  listener: VmHttpListener | undefined;
  close(): Promise<void>;
}

export interface Carrier {
  name: string;
  start(server: net.Server, options?: ServeOptions): Promise<Served>;
}

export const unixCarrier: Carrier = {
  name: 'unix',
  async start(server, options) {
    const target = `unix:${socketPath('http')}`;
    const listener = await serve(server, target, options);
    return { target, listener, close: () => listener.close(1000) };
  },
};

export const hybridCarrier: Carrier = {
  name: 'hybrid-vsock (stand-in muxer)',
  async start(server) {
    const muxer = new FirecrackerMuxerStandIn(socketPath('fc'));
    await muxer.start();
    const port = 8080;
    muxer.guestListen(port, (socket) => server.emit('connection', socket));
    return { target: `hybrid-vsock:${muxer.udsPath}:${port}`, listener: undefined, close: () => muxer.stop() };
  },
};

export const vsockCarrier: Carrier = {
  name: 'vsock loopback',
  async start(server, options) {
    const port = freshVsockPort();
    const listener = await serve(server, `vsock:any:${port}`, options);
    return { target: `vsock:1:${port}`, listener, close: () => listener.close(1000) };
  },
};

export const hostCarriers: Carrier[] = [unixCarrier, hybridCarrier];

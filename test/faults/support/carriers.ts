/**
 * The carriers a fault suite runs over, each with the same two operations (serve a grpc-js
 * server, serve raw connections) and a target clients dial:
 *
 *   unix           listen and dial `unix:PATH`
 *   hybrid-listen  guest -> host over hybrid vsock: the server listens on `hybrid-vsock:U:PORT`
 *                  and clients dial `unix:U_PORT`, as a Firecracker VMM does for its guest
 *   hybrid-dial    host -> guest over hybrid vsock: clients dial `hybrid-vsock:U:PORT` (the
 *                  CONNECT/OK handshake) into the VMM stand-in, whose "guest" is the server
 *   vsock          vsock loopback in the VM harness guest (`vsock:any:PORT`, dialled as CID 1)
 *
 * Endpoints are plain data, so a peer process can be told where to listen or dial.
 */
import * as grpc from '@grpc/grpc-js';
import type { Duplex } from 'node:stream';
import { createServer } from '@vmrpc/native';
import { listen, type ListenOptions } from '@vmrpc/transport';
import { socketPath } from '../../support/checks.js';
import { FirecrackerMuxerStandIn } from '../../support/firecracker-muxer-standin.js';
import { freshVsockPort } from '../../support/vsock-gate.js';

export type CarrierKind = 'unix' | 'hybrid-listen' | 'hybrid-dial' | 'vsock';

export interface Endpoint {
  kind: CarrierKind;
  /** What the server side binds: a path (unix, hybrid) and a port (hybrid, vsock). */
  path: string;
  port: number;
  /** What clients dial. */
  dial: string;
}

export const HOST_CARRIERS: readonly CarrierKind[] = ['unix', 'hybrid-listen', 'hybrid-dial'];

export function carrierLabel(kind: CarrierKind): string {
  return { unix: 'unix', 'hybrid-listen': 'hybrid-vsock (guest->host)', 'hybrid-dial': 'hybrid-vsock (host->guest)', vsock: 'vsock' }[kind];
}

/** A fresh endpoint of `kind` that no other test uses. */
export function endpoint(kind: CarrierKind, name: string): Endpoint {
  const path = socketPath(name);
  switch (kind) {
    case 'unix':
      return { kind, path, port: 0, dial: `unix:${path}` };
    case 'hybrid-listen':
      return { kind, path, port: 1234, dial: `unix:${path}_1234` };
    case 'hybrid-dial':
      return { kind, path, port: 52, dial: `hybrid-vsock:${path}:52` };
    case 'vsock': {
      const port = freshVsockPort();
      return { kind, path: '', port, dial: `vsock:1:${port}` };
    }
  }
}

/** What the server side listens on, as @vmrpc/native and listen() take it. */
function listenTarget(at: Endpoint): string {
  if (at.kind === 'unix') return `unix:${at.path}`;
  if (at.kind === 'hybrid-listen') return `hybrid-vsock:${at.path}:${at.port}`;
  if (at.kind === 'vsock') return `vsock:any:${at.port}`;
  throw new Error(`${at.kind} has no listen target`);
}

export interface Served {
  /** Connections the server refused (limits, authorize, preface), where known. */
  readonly refused: number;
  close(graceMs?: number): Promise<void>;
}

/** Serves `server` at `at` (through @vmrpc/transport's listen(), or the VMM stand-in's guest). */
export async function serveGrpc(at: Endpoint, server: grpc.Server, options: ListenOptions = {}): Promise<Served> {
  if (at.kind !== 'hybrid-dial') {
    const listener = await listen(server, listenTarget(at), options);
    return {
      get refused() {
        return listener.refusedConnections;
      },
      close: (graceMs = 500) => listener.close(graceMs),
    };
  }
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const muxer = new FirecrackerMuxerStandIn(at.path);
  muxer.guestListen(at.port, (socket) => injector.injectConnection(socket));
  await muxer.start();
  return {
    refused: 0,
    close: async (graceMs = 500) => {
      injector.drain(graceMs);
      await muxer.stop();
      injector.destroy();
    },
  };
}

/** Serves raw connections at `at` with `onConnection`. */
export async function serveRaw(at: Endpoint, onConnection: (socket: Duplex) => void): Promise<Served> {
  if (at.kind === 'hybrid-dial') {
    const muxer = new FirecrackerMuxerStandIn(at.path);
    muxer.guestListen(at.port, onConnection);
    await muxer.start();
    return { refused: 0, close: () => muxer.stop() };
  }
  const server = createServer((socket) => onConnection(socket));
  let dropped = 0;
  server.on('drop', () => dropped++);
  await server.listen(listenTarget(at));
  return {
    get refused() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/**
 * An rpc server whose connections are served the way GuestAgent serves its call links
 * (CallLinkServer: the engine server, or grpc-js when the options ask for it), on a Unix socket
 * any HTTP/2 client can dial: the stock grpc-js client, node:http2, Python grpcio, our channel.
 */
import * as net from 'node:net';
import type { ChannelOptions } from '@grpc/grpc-js';
import type { ServiceImplementation } from '@vmrpc/rpc';
import { socketPath } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation, type ServerLog } from '../streaming-service.js';
import { CallLinkServer, createServingServer } from './engine-internals.js';

/** What handlers see as `context.peer` on this fixture's connections. */
export const FIXTURE_PEER = 'unix:engine-test-peer';

export interface EngineFixture {
  /** `unix:PATH` */
  target: string;
  path: string;
  log: ServerLog;
  links: CallLinkServer;
  /** Sockets the listener accepted. */
  sockets: Set<net.Socket>;
  /** Stops accepting, drains the links within `graceMs`, closes the server. */
  close(graceMs?: number): Promise<void>;
}

export interface EngineFixtureOptions {
  grpc?: ChannelOptions;
  /** The Streaming implementation; default the shared test one (streaming-service.ts) logging into `log`. */
  implementation?: ServiceImplementation<typeof StreamingService>;
  log?: ServerLog;
  /** The Unix socket to listen on; default a fresh one. */
  path?: string;
  /**
   * Hand sockets over paused, as VM listeners do (default true): the engine must start reading.
   * grpc-js's injector reads only sockets whose handle reads already (links have had their
   * preface read by then), so the fallback's tests pass false.
   */
  pauseOnConnect?: boolean;
  /** ServerOptions.handshakeTimeoutMs of the server. */
  handshakeTimeoutMs?: number;
  /** Sees each accepted socket before it is served (to count its writes, ...). */
  onConnection?: (socket: net.Socket) => void;
}

export async function engineFixture(options: EngineFixtureOptions = {}): Promise<EngineFixture> {
  const log = options.log ?? newLog();
  const server = createServingServer({ grpc: options.grpc, handshakeTimeoutMs: options.handshakeTimeoutMs, onError: (error) => log.errors.push(error) });
  server.add(StreamingService, options.implementation ?? streamingImplementation(log));
  const links = new CallLinkServer(server);
  const path = options.path ?? socketPath('engine');
  const sockets = new Set<net.Socket>();
  const listener = net.createServer({ pauseOnConnect: options.pauseOnConnect ?? true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    options.onConnection?.(socket);
    links.serve(socket, FIXTURE_PEER);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(path, () => resolve());
  });
  return {
    target: `unix:${path}`,
    path,
    log,
    links,
    sockets,
    async close(graceMs = 1000) {
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      await links.drain(graceMs);
      await stopped;
      await server.close(0);
    },
  };
}

/**
 * The host's connections: its listeners, its dialers of listening agents, the live-link table
 * (per-peer limits over all of them), and the gRPC server every plain link is injected into.
 * It routes what arrives: plain gRPC to the server (admin listeners also get the directory),
 * call links to their session (`onCallLink`). It knows nothing of agents beyond that.
 */
import { ServerCredentials } from '@grpc/grpc-js';
import { formatTarget, parseTarget, type ConnectOptions, type DataPathOption, type VmAddress } from '@vmrpc/native';
import { injectConnection, type BackoffOptions } from '@vmrpc/transport';
import type { Duplex } from 'node:stream';
import type { GatewayAuthorizer, GatewayOption } from '../gateway/options';
import { gatewayTls, type GatewayTls, type GatewayTlsOptions } from '../gateway/tls-listener';
import type { RpcServer } from '../../server/create-server';
import { LinkTable, type Link } from '../link/link-table';
import { listenForLinks, type LinkAuthorizer, type LinkListener } from '../link/link-listener';
import { refuse, type LinkPreface } from '../link/preface';
import { boundedGraceMs, graceTimerMs } from '../util/grace';
import type { LogLevel } from '../util/logger';
import { HostDialer } from './host-dialer';

export interface HostLinksOptions {
  maxConnectionsPerPeer: number;
  handshakeTimeoutMs: number;
  connect: Omit<ConnectOptions, 'signal'> | undefined;
  reconnect: BackoffOptions;
  /** A call link an agent dialed, with the session it names. */
  onCallLink(link: Link, preface: Extract<LinkPreface, { kind: 'calls' }>): void;
  /** A plain link on a gateway listener: the gateway routes its streams (gateway/gateway-router.ts). */
  onGatewayLink(link: Link, admin: boolean, authorize: GatewayAuthorizer | undefined, tls: GatewayTls | undefined): void;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Options of one listener (AgentHost#listen). */
export interface HostListenOptions {
  admin?: boolean;
  gateway?: GatewayOption;
  authorize?: LinkAuthorizer;
  dataPath?: DataPathOption;
  tls?: GatewayTlsOptions;
}

export class HostLinks {
  readonly table: LinkTable;
  private readonly injector;
  private readonly listeners: LinkListener[] = [];
  private readonly dialers = new Map<string, HostDialer>();
  private readonly adminPeers = new Set<string>();
  /** Links a registration arrived on (a dialed link that never registers does not reset its backoff). */
  private readonly registeredLinks = new WeakSet<Link>();
  /** listen() calls whose listener has not opened yet (stopAccepting waits for them). */
  private readonly opening = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly server: RpcServer,
    private readonly options: HostLinksOptions,
  ) {
    this.table = new LinkTable(options.maxConnectionsPerPeer);
    this.injector = server.grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  }

  async listen(target: string | VmAddress, options: HostListenOptions): Promise<VmAddress> {
    const admin = options.admin === true;
    const gateway = gatewayOf(options.gateway, admin);
    if (options.tls !== undefined && gateway === undefined) throw new TypeError('options.tls terminates TLS in the gateway, so it needs gateway: true (with admin: true) or gateway: { authorize }');
    const tls = options.tls === undefined ? undefined : gatewayTls(options.tls);
    if (this.stopped) throw new Error('the agent host is closed');
    const opening = listenForLinks(target, {
      table: this.table,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      authorize: options.authorize,
      dataPath: options.dataPath,
      secure: tls !== undefined,
      onOpen: (link, opening) => {
        if (opening.kind === 'grpc') return this.serve(link, admin, gateway, tls);
        if (opening.kind === 'calls') return this.options.onCallLink(link, opening);
        refuse(link.socket, 'a host does not take session links');
      },
      onRefused: (address, reason) => this.options.log('warn', `connection refused: ${reason}`, { address: address === undefined ? undefined : formatTarget(address) }),
    });
    // close() may begin while the listener opens: it waits for this, and the listener closes.
    const landed = opening.then(async (listener) => {
      if (!this.stopped) {
        this.listeners.push(listener);
        return listener;
      }
      await listener.close();
      throw new Error('the agent host was closed while listen() was in progress');
    });
    const settled = landed.then(
      () => undefined,
      () => undefined,
    );
    this.opening.add(settled);
    void settled.then(() => this.opening.delete(settled));
    const listener = await landed;
    return listener.address() ?? (typeof target === 'string' ? parseTarget(target) : target);
  }

  /** Dials `address` (an agent that listens) and keeps dialing it; returns its dialer. */
  dial(address: VmAddress): HostDialer {
    const key = formatTarget(address);
    let dialer = this.dialers.get(key);
    if (dialer === undefined) {
      dialer = new HostDialer(address, {
        links: this.table,
        connect: this.options.connect,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        backoff: this.options.reconnect,
        serve: (link) => this.serve(link, false),
        registeredOn: (link) => this.registeredLinks.has(link),
        log: (level, message) => this.options.log(level, `${key}: ${message}`),
      });
      this.dialers.set(key, dialer);
    }
    return dialer;
  }

  /** Stops dialing `address` and closes its session link. */
  undial(address: VmAddress): void {
    const key = formatTarget(address);
    this.dialers.get(key)?.close();
    this.dialers.delete(key);
  }

  /** A registration arrived on `link`. */
  registered(link: Link): void {
    this.registeredLinks.add(link);
  }

  isAdmin(peer: string): boolean {
    return this.adminPeers.has(peer);
  }

  /** Stops listening and dialing; links stay open. */
  async stopAccepting(): Promise<void> {
    this.stopped = true;
    for (const dialer of this.dialers.values()) dialer.close();
    this.dialers.clear();
    await Promise.all([...this.opening, ...this.listeners.splice(0).map((listener) => listener.close())]);
  }

  /** GOAWAY on every link; waits up to `graceMs` for them to close, then closes the rest. */
  async drain(graceMs: number): Promise<void> {
    this.injector.drain(boundedGraceMs(graceMs));
    // An infinite grace has no timer: links close when done.
    const timerMs = graceTimerMs(graceMs);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = timerMs === undefined ? undefined : setTimeout(resolve, timerMs)));
    await Promise.race([this.table.empty(), grace]);
    clearTimeout(timer);
    await this.server.close(0);
    this.injector.destroy();
    this.table.destroyAll();
  }

  /** Serves `socket` with the host's gRPC server, its calls' peer being `peer`. */
  inject(socket: Duplex, peer: string): void {
    injectConnection(this.injector, socket, peer);
  }

  private serve(link: Link, admin: boolean, gateway?: { authorize: GatewayAuthorizer | undefined }, tls?: GatewayTls): void {
    if (admin) {
      this.adminPeers.add(link.peer);
      link.socket.once('close', () => this.adminPeers.delete(link.peer));
    }
    if (gateway !== undefined) this.options.onGatewayLink(link, admin, gateway.authorize, tls);
    else this.inject(link.socket, link.peer);
  }
}

/** The gateway of a listener: none, open to its callers (admin listeners only), or decided per call. */
function gatewayOf(option: GatewayOption | undefined, admin: boolean): { authorize: GatewayAuthorizer | undefined } | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) {
    if (!admin) throw new TypeError('listen(target, { gateway: true }) opens every agent to every caller, so it needs admin: true (an operators-only target such as a Unix socket); pass gateway: { authorize } to decide per call instead');
    return { authorize: undefined };
  }
  if (typeof option !== 'object' || typeof option.authorize !== 'function') throw new TypeError('options.gateway must be true or { authorize(caller, agent, method) }');
  return { authorize: option.authorize };
}

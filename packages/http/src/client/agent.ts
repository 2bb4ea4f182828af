/**
 * http.Agent and https.Agent whose connections are VM sockets. Everything else is Node's own
 * agent: keep-alive pooling, maxSockets, free-socket timeouts, TLS session reuse. The pool key
 * (getName) starts with the VM target, so each target has its own pool and two VMs serving the
 * same host name never share a socket.
 *
 *   const agent = new VmHttpAgent({ target: 'vsock:3:8080', keepAlive: true });
 *   http.get('http://api.internal/health', { agent }, ...)   // Host: api.internal
 *
 * A request can name its own target with a `target` request option (http.request passes its
 * options through to the agent).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import { checkConnectOptions } from '@vmrpc/native';
import { openVmSocket, type VmConnectOptions } from './connection';
import { checkTargetOption, resolveTarget, type ResolvedTarget, type TargetOption } from '../target';

/** Options of {@link VmHttpAgent} and {@link VmHttpsAgent}, beside node:http's agent options. */
export interface VmAgentOptions extends VmConnectOptions {
  /** Where connections go: a target such as `vsock:3:8080`, or a function of the request's origin. */
  target?: TargetOption;
}

/** What http.request() options may carry for a VM agent. */
export interface VmRequestOptions {
  /** This request's VM target, instead of the agent's. */
  target?: TargetOption;
}

/** The request options an agent's getName() and createConnection() receive from node:http. */
export type VmAgentRequestOptions = http.ClientRequestArgs & VmRequestOptions;

/**
 * Where the target chosen for a request is kept: on the request's options. node:http's Agent calls
 * getName() several times per request (addRequest, createSocket, then on 'free' and in
 * removeSocket) and createConnection() once, each with a copy of the options it made in
 * addRequest (`{ ...options, ...agent.options }`, which copies own symbol properties too). So a
 * resolver runs once per request, and the socket is connected, pooled and counted under one key.
 */
const CHOSEN = Symbol('vmrpc.chosenTarget');

type WithChosen = VmAgentRequestOptions & { [CHOSEN]?: ResolvedTarget };

/** The parts of the connect logic both agents share. */
class VmConnections {
  readonly target: TargetOption | undefined;
  readonly connectOptions: VmConnectOptions;

  constructor(options: VmAgentOptions, what: string) {
    this.target = checkTargetOption(options.target, what);
    const { connectTimeout, dataPath, toHost, bufferSize, hvsock } = options;
    // Checked now, so that a bad option fails here and not in every request.
    this.connectOptions = checkConnectOptions({ connectTimeout, dataPath, toHost, bufferSize, hvsock });
  }

  targetOf(options: WithChosen, defaultPort: number, what: string): ResolvedTarget {
    const chosen = options[CHOSEN];
    if (chosen !== undefined) return chosen;
    const protocol = options.protocol ?? (defaultPort === 443 ? 'https:' : 'http:');
    const hostname = options.hostname ?? options.host ?? 'localhost';
    const port = Number(options.port ?? defaultPort);
    const resolved = resolveTarget(options.target ?? this.target, { protocol, hostname, port }, what);
    if (Object.isExtensible(options)) options[CHOSEN] = resolved;
    return resolved;
  }
}

/** An http.Agent that connects over VM sockets (keep-alive pooling per target). */
export class VmHttpAgent extends http.Agent {
  private readonly vm: VmConnections;

  constructor(options: VmAgentOptions & http.AgentOptions = {}) {
    super(withoutVmOptions(options));
    this.vm = new VmConnections(options, 'VmHttpAgent');
  }

  /** The pool key: the VM target, then node's host:port key (the Host header). */
  override getName(options: VmAgentRequestOptions = {}): string {
    return `${this.vm.targetOf(options, 80, 'VmHttpAgent').key}|${super.getName(options)}`;
  }

  /** Opens a VM socket for a request (called by the agent; not for direct use). */
  override createConnection(options: VmAgentRequestOptions): Duplex {
    return openVmSocket(this.vm.targetOf(options, 80, 'VmHttpAgent').address, this.vm.connectOptions);
  }
}

/** An https.Agent whose TLS connections run over VM sockets (TLS sessions are reused per pool). */
export class VmHttpsAgent extends https.Agent {
  private readonly vm: VmConnections;

  constructor(options: VmAgentOptions & https.AgentOptions = {}) {
    super(withoutVmOptions(options));
    this.vm = new VmConnections(options, 'VmHttpsAgent');
  }

  /** The pool key: the VM target, then node's TLS key (host, port and TLS options). */
  override getName(options: VmAgentRequestOptions = {}): string {
    return `${this.vm.targetOf(options, 443, 'VmHttpsAgent').key}|${super.getName(options)}`;
  }

  /** Opens a VM socket and starts TLS on it (called by the agent; not for direct use). */
  override createConnection(options: VmAgentRequestOptions): Duplex {
    const socket = openVmSocket(this.vm.targetOf(options, 443, 'VmHttpsAgent').address, this.vm.connectOptions);
    // node's own https.Agent#createConnection runs tls.connect() over `socket` with the request's
    // TLS options (ca, servername, ...) and keeps its TLS session cache per pool.
    const withSocket = { ...options, socket } as https.RequestOptions;
    return super.createConnection(withSocket) as Duplex;
  }
}

/**
 * node's Agent merges its own options over every request's (agent.options wins), so the VM
 * options stay out of it: a request's `target` must be able to override the agent's.
 */
function withoutVmOptions<T extends VmAgentOptions>(options: T): Omit<T, keyof VmAgentOptions> {
  const { target: _target, connectTimeout: _timeout, dataPath: _dataPath, toHost: _toHost, bufferSize: _bufferSize, hvsock: _hvsock, ...rest } = options;
  return rest;
}

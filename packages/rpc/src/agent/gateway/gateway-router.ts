/**
 * The HTTP/2 side of a gateway listener. grpc-js offers no hook to take some streams of a
 * connection it serves (no fallback handler, and its HTTP/2 sessions are private), so on a
 * gateway listener the router owns each connection's HTTP/2 session (node:http2) and sends each
 * stream one way: a stream naming an agent (`vmrpc-agent`) to the gateway, any other to the
 * host's own grpc-js server, forwarded over an in-process connection injected into that server
 * with the caller's peer name, so host services see the same caller they would see directly.
 * docs/architecture.md ("The agent gateway") has the why.
 */
import * as http2 from 'node:http2';
import { duplexPair, type Duplex } from 'node:stream';
import { createChannel, type VmChannel, type VmChannelOptions } from '@vmrpc/transport';
import type { Link } from '../link/link-table';
import { agentIdOf, deadlineOf, encodingOf, forwardedMetadata } from './call-headers';
import { AgentGateway, type AgentGatewayOptions } from './agent-gateway';
import { forwardCall } from './forward-call';
import { setInflateBudget } from './inflate-budget';
import { status as Status } from '@grpc/grpc-js';
import { sendStatus } from './grpc-reply';
import type { GatewayLimits } from './limits';
import { acceptTls, type GatewayTls } from './tls-listener';
import type { GatewayAuthorizer, GatewayCaller } from './options';

export interface GatewayRouterOptions extends Omit<AgentGatewayOptions, 'maxMessageBytes'> {
  /** Serves `socket` with the host's grpc-js server, reporting `peer` as its calls' peer. */
  inject(socket: Duplex, peer: string): void;
  limits: Required<GatewayLimits>;
  /** How long a caller's TLS handshake may take. */
  handshakeTimeoutMs: number;
}

export class GatewayRouter {
  private readonly http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly gateway: AgentGateway;
  private readonly hostChannelOptions: VmChannelOptions;

  constructor(private readonly options: GatewayRouterOptions) {
    const { maxMessageBytes, maxConcurrentStreams, streamWindowBytes } = options.limits;
    this.http2Server = http2.createServer({ settings: { maxConcurrentStreams, initialWindowSize: streamWindowBytes } });
    this.gateway = new AgentGateway({ ...options, maxMessageBytes });
    this.hostChannelOptions = { grpc: { 'grpc.max_send_message_length': maxMessageBytes, 'grpc.max_receive_message_length': maxMessageBytes } };
  }

  /**
   * Serves a gateway listener's link; `authorize` undefined lets every call through (admin
   * listeners); with `tls`, after a TLS handshake that gives the caller its TLS identity.
   */
  serve(link: Link, caller: GatewayCaller, authorize: GatewayAuthorizer | undefined, tls?: GatewayTls): void {
    if (tls === undefined) return this.open(link, link.socket, caller, authorize);
    acceptTls(link.socket, tls, this.options.handshakeTimeoutMs).then(
      ({ socket, identity }) => this.open(link, socket, { ...caller, tls: identity }, authorize),
      (error: Error) => this.options.log('warn', `gateway caller ${link.peer} refused: ${error.message}`),
    );
  }

  /** The caller's HTTP/2 session on `socket` (the link's own, or TLS over it). */
  private open(link: Link, socket: Duplex, caller: GatewayCaller, authorize: GatewayAuthorizer | undefined): void {
    let session: http2.ServerHttp2Session | undefined;
    const onSession = (created: http2.ServerHttp2Session): void => void (session = created);
    // node:http2 creates the session synchronously while handling 'connection'.
    this.http2Server.once('session', onSession);
    this.http2Server.emit('connection', socket);
    this.http2Server.off('session', onSession);
    if (session === undefined) return void link.socket.destroy();
    const opened = session;
    this.sessions.add(opened);
    const { connectionWindowBytes, maxMessageBytes } = this.options.limits;
    opened.setLocalWindowSize(connectionWindowBytes);
    // Inflated request messages in flight are bounded like what the caller may send: its window.
    setInflateBudget(opened, Math.max(connectionWindowBytes, maxMessageBytes));
    let hostChannel: VmChannel | undefined;
    opened.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
      if (stream.destroyed) return;
      // A stream error (a reset, the link gone) is followed by 'close', which cancels the forwarded call.
      stream.on('error', () => undefined);
      if (agentIdOf(headers) !== undefined) {
        this.gateway.handle(stream, headers, rawHeaders, caller, authorize).catch((error: unknown) => {
          this.options.log('error', `gateway call ${String(headers[':path'])} failed: ${String(error)}`);
          sendStatus(stream, { code: Status.INTERNAL, details: 'the gateway failed to forward the call (see the host log)' });
        });
        return;
      }
      const deadline = deadlineOf(headers);
      if (deadline === undefined) return sendStatus(stream, { code: Status.INVALID_ARGUMENT, details: `malformed grpc-timeout ${JSON.stringify(headers['grpc-timeout'])}` });
      hostChannel ??= createChannel(async () => this.hostConnection(link.peer), this.hostChannelOptions);
      forwardCall(stream, hostChannel, { path: headers[':path'] ?? '', deadline, metadata: forwardedMetadata(rawHeaders, false), maxMessageBytes: this.options.limits.maxMessageBytes, encoding: encodingOf(headers) });
    });
    // A session error (the link broke) is followed by 'close', which cleans up.
    opened.on('error', () => undefined);
    opened.once('close', () => {
      this.sessions.delete(opened);
      hostChannel?.close();
      link.socket.destroy();
    });
  }

  /** GOAWAY on every gateway connection: calls in progress finish, no new ones start. */
  drain(): void {
    for (const session of this.sessions) if (!session.closed) session.close();
  }

  private hostConnection(peer: string): Duplex {
    const [ours, theirs] = duplexPair();
    this.options.inject(theirs, peer);
    return ours;
  }
}

/**
 * The rpc server's own gRPC server on @vmrpc/transport's HTTP/2 engine: one H2Session in the
 * server role per connection, each request dispatched by `:path` to the method table and owned
 * by an EngineCall. Requests that are not a gRPC call of a known method are answered here, as
 * grpc-js answers them: 405 for a method other than POST, 415 for a content-type other than
 * gRPC's, UNIMPLEMENTED (Trailers-Only) for an unknown path, INTERNAL for a malformed grpc-timeout.
 */
import type { Duplex } from 'node:stream';
import { status, type StatusObject } from '@grpc/grpc-js';
import { createH2Session, DeadlineTimer, H2ErrorCode, Keepalive, parseGrpcTimeout, type H2Session, type H2Stream, type H2StreamListener, type HeaderList, type PingedConnection } from '@vmrpc/transport';
import type { MethodTable } from '../method-table';
import { EngineCall } from './engine-call';
import type { EngineServerOptions } from './engine-options';
import { readRequestHead, trailersOnly } from './wire';

/** The listener of a stream answered at once: it was reset or ended both ways, so nothing more arrives. */
const ANSWERED: H2StreamListener = {
  onHeaders() {},
  onData() {},
  onReset() {},
};

const METHOD_NOT_ALLOWED: HeaderList = [':status', '405', 'allow', 'POST'];
const UNSUPPORTED_MEDIA_TYPE: HeaderList = [':status', '415'];

/** One connection: its session, its peer (what `context.peer` shows), its calls' deadlines and its keepalive. */
class Connection implements PingedConnection {
  readonly session: H2Session;
  private readonly deadlines = new DeadlineTimer({ holdProcess: false });
  private readonly keepalive: Keepalive | undefined;

  constructor(
    private readonly server: EngineServer,
    socket: Duplex,
    private readonly peer: string,
  ) {
    const { settings, keepalive, handshakeTimeoutMs } = server.options;
    this.session = createH2Session(socket, {
      role: 'server',
      settings,
      settingsTimeoutMs: handshakeTimeoutMs,
      onStream: (stream, headers, endStream) => server.dispatch(stream, headers, endStream, this.peer, this.deadlines),
      onClose: () => this.closed(),
    });
    if (keepalive === undefined) this.keepalive = undefined;
    else {
      // As grpc-js's server: a PING every timeMs whether calls are active or not.
      this.keepalive = new Keepalive(this, { keepaliveTimeMs: keepalive.timeMs, keepaliveTimeoutMs: keepalive.timeoutMs, keepalivePermitWithoutCalls: true });
      this.keepalive.schedule();
    }
  }

  // ---- PingedConnection, for the keepalive ----

  get isClosed(): boolean {
    return this.session.closed;
  }

  get activeStreams(): number {
    return this.session.activeStreams;
  }

  ping(callback: (error: Error | undefined) => void): void {
    this.session.ping(callback);
  }

  destroy(error: Error): void {
    this.session.destroy(error);
  }

  private closed(): void {
    this.keepalive?.stop();
    this.deadlines.stop();
    this.server.forget(this);
  }
}

export class EngineServer {
  private readonly connections = new Set<Connection>();

  constructor(
    private readonly methods: MethodTable,
    readonly options: EngineServerOptions,
  ) {}

  /** Connections open now. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** HTTP/2 streams open now, on all connections (a finished call's stream is freed once its status is written). */
  get activeStreams(): number {
    let count = 0;
    for (const connection of this.connections) count += connection.session.activeStreams;
    return count;
  }

  /** Serves gRPC calls on `socket` until it closes; `peer` is what handlers see as `context.peer`. */
  serve(socket: Duplex, peer: string): void {
    this.connections.add(new Connection(this, socket, peer));
  }

  /** GOAWAY on every connection: no new calls; each closes once its calls end. */
  drain(): void {
    for (const connection of this.connections) connection.session.drain();
  }

  /** Ends every connection now: calls in progress are reset (their handlers see CANCELLED). */
  destroy(): void {
    for (const connection of [...this.connections]) connection.session.destroy();
  }

  /** @internal A connection closed. */
  forget(connection: Connection): void {
    this.connections.delete(connection);
  }

  /** @internal A request arrived: its call, or the answer that refuses it. */
  dispatch(stream: H2Stream, headers: HeaderList, endStream: boolean, peer: string, deadlines: DeadlineTimer): H2StreamListener {
    const head = readRequestHead(headers);
    if (head.method !== 'POST') return answer(stream, METHOD_NOT_ALLOWED, endStream);
    // grpc-js's test: application/grpc, application/grpc+proto, application/grpc;charset=...
    if (head.contentType === undefined || !head.contentType.startsWith('application/grpc')) return answer(stream, UNSUPPORTED_MEDIA_TYPE, endStream);
    const path = head.path ?? '';
    const entry = this.methods.get(path);
    if (entry === undefined) return refuse(stream, { code: status.UNIMPLEMENTED, details: `The server does not implement the method ${path}` }, endStream);
    let timeoutMs: number | undefined;
    if (head.timeout !== undefined) {
      timeoutMs = parseGrpcTimeout(head.timeout);
      if (timeoutMs === undefined) return refuse(stream, { code: status.INTERNAL, details: `Invalid grpc-timeout value "${head.timeout}"` }, endStream);
    }
    return new EngineCall(stream, entry, head, peer, timeoutMs, this.options.limits, deadlines, endStream);
  }
}

/** Answers a request with `headers` alone, and stops a client still sending (RST_STREAM NO_ERROR). */
function answer(stream: H2Stream, headers: HeaderList, endStream: boolean): H2StreamListener {
  stream.sendHeaders(headers, true);
  if (!endStream) stream.reset(H2ErrorCode.NO_ERROR);
  return ANSWERED;
}

function refuse(stream: H2Stream, result: Pick<StatusObject, 'code' | 'details'>, endStream: boolean): H2StreamListener {
  return answer(stream, trailersOnly(result), endStream);
}

/**
 * One client connection on the vmrpc HTTP/2 engine (`http2: 'vmrpc'`): an H2Session over the
 * connected socket (a VM socket, a Unix socket, or the TLS socket of createSsl credentials), with
 * the same handshake bound, keepalive and ending as Http2Connection, so the channel manages
 * either alike. Calls (EngineCall) open their streams on it.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { ERR_PROTOCOL, type H2Error } from '../h2/errors';
import { createH2Session } from '../h2/session';
import { H2ErrorCode, type H2Session, type H2Settings, type H2Stream, type H2StreamListener, type HeaderList } from '../h2/types';
import type { ChannelConnection, ChannelConnectionEvents, EngineStreamOpener, StreamSlotWaiter } from './call-transport';
import type { Metadata } from '@grpc/grpc-js';
import type { RequestTarget } from '../protocol/request-headers';
import { RequestHeaderLists } from './engine-headers';
import type { ListenerDeliveries } from './listener-deliveries';
import { handshakeFailed, handshakeTimedOut } from './handshake-error';
import { Keepalive, type KeepaliveOptions, type PingedConnection } from '../protocol/keepalive';

export interface EngineConnectionOptions extends KeepaliveOptions {
  /** Whether the socket runs TLS (calls set `:scheme` from it). */
  secure: boolean;
  /** Give up on the HTTP/2 handshake (the server's SETTINGS) after this many ms. */
  handshakeTimeoutMs: number;
  settings: H2Settings;
  /** Receive window of the whole connection (HTTP/2's default is 64 KiB). */
  connectionWindowBytes: number;
}

export class EngineConnection extends EventEmitter<ChannelConnectionEvents> implements EngineStreamOpener, ChannelConnection, PingedConnection {
  private session!: H2Session;
  private readonly keepalive: Keepalive;
  private ended = false;
  private handshake: { resolve(): void; reject(error: Error): void } | undefined;
  draining = false;
  /** Calls waiting for the server's MAX_CONCURRENT_STREAMS to allow their stream, oldest first. */
  private readonly slotWaiters: StreamSlotWaiter[] = [];
  private startScheduled = false;
  private readonly headerLists = new RequestHeaderLists();
  /**
   * Deliveries of calls that the socket read under way caused, told when it has been handled: the
   * first `atReadEndCount` slots (kept, not emptied: a cleared array would grow anew every read).
   */
  private readonly atReadEnd: Array<ListenerDeliveries | undefined> = [];
  private atReadEndCount = 0;

  private constructor(
    socket: Duplex,
    private readonly options: EngineConnectionOptions,
  ) {
    super();
    this.keepalive = new Keepalive(this, options);
    this.session = createH2Session(socket, {
      role: 'client',
      settings: options.settings,
      connectionWindowBytes: options.connectionWindowBytes,
      // The session's own bound on the server's SETTINGS is the handshake's: one timer, cleared by
      // the session when SETTINGS arrives or it closes.
      settingsTimeoutMs: options.handshakeTimeoutMs,
      onRemoteSettings: () => this.onHandshake(),
      onSettingsUpdate: () => this.scheduleWaiters(), // a raised MAX_CONCURRENT_STREAMS lets waiting calls start
      onGoaway: () => this.onGoaway(),
      onClose: (error) => this.onClose(error),
      onReadEnd: () => this.onReadEnd(),
    });
  }

  /** Starts HTTP/2 on `socket` and resolves once the server's SETTINGS arrived. */
  static open(socket: Duplex, options: EngineConnectionOptions): Promise<EngineConnection> {
    return new Promise((resolve, reject) => {
      const connection = new EngineConnection(socket, options);
      connection.handshake = { resolve: () => resolve(connection), reject };
    });
  }

  get secure(): boolean {
    return this.options.secure;
  }

  get isClosed(): boolean {
    return this.ended || this.session.closed;
  }

  get activeStreams(): number {
    return this.session.activeStreams;
  }

  requestHeaders(metadata: Metadata, target: RequestTarget): HeaderList {
    return this.headerLists.forCall(metadata, target);
  }

  /** Opens a stream for one call; `listener` is the call. */
  request(headers: HeaderList, endStream: boolean, listener: H2StreamListener): H2Stream {
    const stream = this.session.request(headers, endStream, listener);
    if (this.session.activeStreams === 1) this.keepalive.schedule();
    return stream;
  }

  deliverAtReadEnd(deliveries: ListenerDeliveries): boolean {
    if (!this.session.reading) return false;
    this.atReadEnd[this.atReadEndCount++] = deliveries;
    return true;
  }

  whenStreamFree(waiter: StreamSlotWaiter): void {
    // Handed over as a GOAWAY came (a call whose call credentials were being made): no stream can
    // start here any more, so it starts on the next connection, as node:http2's closed session does.
    if (this.isClosed || this.session.draining) return waiter.streamSlotLost();
    // Requests beyond the server's limit would be refused (REFUSED_STREAM): hold them, as node:http2 does.
    if (this.slotWaiters.length === 0 && this.hasFreeSlot()) return waiter.startStream();
    this.slotWaiters.push(waiter);
  }

  callEnded(waiter: StreamSlotWaiter): void {
    const index = this.slotWaiters.indexOf(waiter);
    if (index >= 0) this.slotWaiters.splice(index, 1);
    // On the next tick: the ending call's stream closes (reset, or its last frame) after this.
    this.scheduleWaiters();
  }

  /** Starts waiting calls on the next tick, outside the frame or call end that made room. */
  private scheduleWaiters(): void {
    if (this.slotWaiters.length > 0 && !this.startScheduled) {
      this.startScheduled = true;
      process.nextTick(EngineConnection.startWaiters, this);
    }
  }

  private hasFreeSlot(): boolean {
    return this.session.activeStreams < this.session.peerSettings.maxConcurrentStreams;
  }

  /**
   * Starts waiting calls while the server allows; once the session drains (GOAWAY) or closes, no
   * stream can start on it, so they go back to the channel for the next connection.
   */
  private static startWaiters(connection: EngineConnection): void {
    connection.startScheduled = false;
    const waiters = connection.slotWaiters;
    if (connection.isClosed || connection.session.draining) {
      for (const waiter of waiters.splice(0)) waiter.streamSlotLost();
      return;
    }
    while (waiters.length > 0 && connection.hasFreeSlot()) waiters.shift()!.startStream();
  }

  /**
   * The read was handled: its calls' listeners are told now (no read is under way, so what they
   * cause goes on ticks). A listener that throws does not keep the others from being told; its
   * error is thrown on a tick, uncaught, as it would have been from the tick of its delivery.
   * A read that starts inside a delivery (a socket factory's stream may push from a listener)
   * queues behind these and ends with a walk of its own: both walks go to the live count and
   * skip the slots already taken, so each delivery is told once and in order.
   */
  private onReadEnd(): void {
    const queued = this.atReadEnd;
    for (let i = 0; i < this.atReadEndCount; i++) {
      const deliveries = queued[i];
      if (deliveries === undefined) continue;
      queued[i] = undefined;
      try {
        deliveries.deliver();
      } catch (error) {
        process.nextTick(rethrow, error);
      }
    }
    this.atReadEndCount = 0;
  }

  /** Sends a PING (keepalive's). */
  ping(callback: (error: Error | undefined) => void): void {
    this.session.ping((error) => callback(error));
  }

  /** Ends the session once its streams are done (GOAWAY, then close). */
  close(): void {
    if (!this.session.closed) this.session.drain();
  }

  /** Ends the session now, streams included; 'close' reports `error`. */
  destroy(error?: Error): void {
    this.session.destroy(error);
  }

  private onHandshake(): void {
    const handshake = this.handshake;
    if (handshake === undefined) return;
    this.handshake = undefined;
    this.keepalive.schedule();
    handshake.resolve();
  }

  private onGoaway(): void {
    if (this.draining) return;
    this.draining = true;
    this.emit('draining');
    EngineConnection.startWaiters(this); // they go to the next connection: no new stream on a draining session
  }

  private onClose(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.keepalive.stop();
    EngineConnection.startWaiters(this); // they go to the next connection: the session is closed
    const handshake = this.handshake;
    if (handshake !== undefined) {
      this.handshake = undefined;
      const timedOut = (error as H2Error | undefined)?.code === ERR_PROTOCOL && (error as H2Error).h2Code === H2ErrorCode.SETTINGS_TIMEOUT;
      return handshake.reject(timedOut ? handshakeTimedOut(this.options.handshakeTimeoutMs, error) : handshakeFailed(error));
    }
    this.emit('close', error);
  }
}

function rethrow(error: unknown): never {
  throw error;
}

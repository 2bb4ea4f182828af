/**
 * What a call needs from the channel that creates it, and nothing more: a connection to open its
 * stream on, the channel's call credentials and a few resolved options. As grpc-js's subchannel
 * call depends only on its `Transport`, VmCall depends only on these interfaces, so the call can
 * be read (and tested) without the channel's connection management.
 */
import type { EventEmitter } from 'node:events';
import type * as http2 from 'node:http2';
import type { CallCredentials, ChannelInterface, Metadata, StatusObject } from '@grpc/grpc-js';
import type { RequestTarget } from '../protocol/request-headers';
import type { H2Stream, H2StreamListener, HeaderList } from '../h2/types';
import type { DeadlineTimer } from '../protocol/deadline-timer';
import type { ReadEnd } from './listener-deliveries';

/** The server call a client call may be the child of (grpc-js does not export its type by name). */
export type ParentCall = NonNullable<Parameters<ChannelInterface['createCall']>[3]>;

/** A READY HTTP/2 connection, as every call sees it, whichever engine runs it. */
export interface CallConnection {
  /** The connection ended: no new stream can start on it. */
  readonly isClosed: boolean;
  /** Whether it runs over TLS (the `:scheme` header and the credentials' service URL). */
  readonly secure: boolean;
}

/** A READY node:http2 connection, as a call sees it. */
export interface StreamOpener extends CallConnection {
  /** Opens one stream with these request headers. */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream;
}

/** A call waiting for room on an engine connection (the server's MAX_CONCURRENT_STREAMS). */
export interface StreamSlotWaiter {
  /** There is room now: open the stream (with request()). */
  startStream(): void;
  /** The connection went away (GOAWAY, or closed) before the call got a stream: it starts elsewhere. */
  streamSlotLost(): void;
}

/** A READY connection of the vmrpc HTTP/2 engine, as a call sees it. */
export interface EngineStreamOpener extends CallConnection, ReadEnd {
  /** A call's request headers (the fixed part of each method's is built once per connection). */
  requestHeaders(metadata: Metadata, target: RequestTarget): HeaderList;
  /** Opens one stream with these request headers; `listener` (the call) hears what arrives. */
  request(headers: HeaderList, endStream: boolean, listener: H2StreamListener): H2Stream;
  /** Calls `waiter.startStream()` now if the server allows another stream, else once one ends, in order. */
  whenStreamFree(waiter: StreamSlotWaiter): void;
  /** A call ended: it leaves the queue if it waits there, and a waiting call may start. */
  callEnded(waiter: StreamSlotWaiter): void;
}

/** Events of a channel's connection. */
export interface ChannelConnectionEvents {
  /** The session ended; no new stream can start. `error` when it ended abnormally. */
  close: [error: Error | undefined];
  /** The server sent GOAWAY: finish active streams, start new ones elsewhere. */
  draining: [];
}

/** A connection as the channel manages it (either engine). */
export interface ChannelConnection extends CallConnection, EventEmitter<ChannelConnectionEvents> {
  /** GOAWAY arrived: calls in flight finish, new ones go to a new connection. */
  readonly draining: boolean;
  /** Ends the connection once its streams are done. */
  close(): void;
  /** Ends the connection now, streams included; 'close' reports `error`. */
  destroy(error?: Error): void;
}

/** Something waiting for a READY connection: a call that has started. */
export interface ConnectionWaiter<C extends CallConnection = StreamOpener> {
  readonly waitForReady: boolean;
  /** Called with the READY connection the call is to use. */
  ready(connection: C): void;
  /** Called when no connection can be had: the call ends with this status. */
  fail(status: Pick<StatusObject, 'code' | 'details'>): void;
}

/** The channel's options that calls read. */
export interface CallSettings {
  readonly authority: string;
  readonly userAgent: string;
  readonly maxSendMessageBytes: number;
  readonly maxReceiveMessageBytes: number;
  /** Bytes of sent messages a call keeps for a transparent retry; -1: no retry. */
  readonly retryBufferBytes: number;
}

export interface CallTransport<C extends CallConnection = StreamOpener> {
  /** The peer a call reports (grpc-js's `getPeer()`): the channel's target. */
  readonly peer: string;
  readonly settings: CallSettings;
  /** The one timer for the deadlines of the channel's calls. */
  readonly deadlines: DeadlineTimer;
  /** Call credentials that come with the channel credentials (composed credentials). */
  readonly callCredentials: CallCredentials;
  /** Hands the waiter a READY connection now or later, or fails it; returns a cancel function. */
  requestConnection(waiter: ConnectionWaiter<C>): () => void;
  /** Why the channel has no connection now (the last failed attempt), if it knows. */
  lastConnectFailure(): string | undefined;
}

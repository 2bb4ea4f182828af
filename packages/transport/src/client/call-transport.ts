/**
 * What a call needs from the channel that creates it, and nothing more: a connection to open its
 * stream on, the channel's call credentials and a few resolved options. As grpc-js's subchannel
 * call depends only on its `Transport`, VmCall depends only on these interfaces, so the call can
 * be read (and tested) without the channel's connection management.
 */
import type * as http2 from 'node:http2';
import type { CallCredentials, ChannelInterface, StatusObject } from '@grpc/grpc-js';

/** The server call a client call may be the child of (grpc-js does not export its type by name). */
export type ParentCall = NonNullable<Parameters<ChannelInterface['createCall']>[3]>;

/** A READY HTTP/2 connection, as a call sees it. */
export interface StreamOpener {
  /** The connection ended: no new stream can start on it. */
  readonly isClosed: boolean;
  /** Whether it runs over TLS (the `:scheme` header and the credentials' service URL). */
  readonly secure: boolean;
  /** Opens one stream with these request headers. */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream;
}

/** Something waiting for a READY connection: a call that has started. */
export interface ConnectionWaiter {
  readonly waitForReady: boolean;
  /** Called with the READY connection the call is to use. */
  ready(connection: StreamOpener): void;
  /** Called when no connection can be had: the call ends with this status. */
  fail(status: Pick<StatusObject, 'code' | 'details'>): void;
}

/** The channel's options that calls read. */
export interface CallSettings {
  readonly authority: string;
  readonly userAgent: string;
  readonly maxSendMessageBytes: number;
  readonly maxReceiveMessageBytes: number;
}

export interface CallTransport {
  /** The peer a call reports (grpc-js's `getPeer()`): the channel's target. */
  readonly peer: string;
  readonly settings: CallSettings;
  /** Call credentials that come with the channel credentials (composed credentials). */
  readonly callCredentials: CallCredentials;
  /** Hands the waiter a READY connection now or later, or fails it; returns a cancel function. */
  requestConnection(waiter: ConnectionWaiter): () => void;
  /** Why the channel has no connection now (the last failed attempt), if it knows. */
  lastConnectFailure(): string | undefined;
}

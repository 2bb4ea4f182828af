/**
 * The session state the frame dispatcher (incoming.ts, incoming-data.ts) reads and changes, and
 * the stream-id rule both use.
 */
import type { ReceiveWindow } from './flow-control';
import type { FloodGuard } from './flood-guard';
import type { FrameWriter } from './frame-writer';
import type { HeaderBlockAssembler } from './header-block';
import type { HpackDecoder } from './hpack-decoder';
import type { PingTracker } from './ping';
import type { LocalSettings } from './settings';
import type { SettingsDeadline } from './settings-deadline';
import type { StreamError } from './errors';
import type { Stream } from './stream';
import type { H2PeerSettings, H2SessionOptions } from './types';

/** The session state the dispatcher reads and changes. */
export interface SessionCore {
  readonly client: boolean;
  readonly options: H2SessionOptions;
  readonly writer: FrameWriter;
  readonly local: LocalSettings;
  readonly peerSettings: H2PeerSettings;
  readonly streams: Map<number, Stream>;
  readonly decoder: HpackDecoder;
  readonly headerBlocks: HeaderBlockAssembler;
  readonly connectionReceive: ReceiveWindow;
  readonly pings: PingTracker;
  readonly guard: FloodGuard;
  readonly settingsDeadline: SettingsDeadline | undefined;
  readonly draining: boolean;
  readonly closed: boolean;
  connectionWindow: number;
  lastPeerStreamId: number;
  nextStreamId: number;
  resumeStreams(): void;
  creditConnection(bytes: number): void;
  peerGoaway(code: number, lastStreamId: number, error: Error | undefined): void;
  streamError(error: StreamError): void;
  /** Queues a frame the peer's frame asked for (an ACK, a refusal), counted by the flood guard. */
  answer(frame: Buffer, what: string): void;
  /** Creates a stream the peer opened (server role). */
  openPeerStream(id: number): Stream;
}

/** Whether no stream has used `streamId` yet (ids only go up). */
export function isIdle(session: SessionCore, streamId: number): boolean {
  const peerInitiated = (streamId % 2 === 1) !== session.client;
  return peerInitiated ? streamId > session.lastPeerStreamId : streamId >= session.nextStreamId;
}

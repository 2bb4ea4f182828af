/**
 * GOAWAY (RFC 9113, 6.8) in both directions: the session's one outgoing GOAWAY, and the streams a
 * peer's GOAWAY leaves unprocessed. The session decides when; this file holds what each means.
 */
import { ERR_CLOSED, h2Error } from './errors';
import { goawayFrame } from './frame';
import type { FrameWriter } from './frame-writer';
import type { Stream } from './stream';
import { H2ErrorCode } from './types';

/** The session's one GOAWAY: a later reason to end sends no second one. */
export class OutgoingGoaway {
  private done = false;

  constructor(private readonly writer: FrameWriter) {}

  /** Whether the GOAWAY went out (or was withheld): the session is past the point of sending one. */
  get sent(): boolean {
    return this.done;
  }

  /** Queues GOAWAY(`code`) naming `lastPeerStreamId`, the last stream the peer opened that we process. */
  send(lastPeerStreamId: number, code: number, debug?: string): void {
    if (this.done) return;
    this.done = true;
    this.writer.push(goawayFrame(lastPeerStreamId, code, debug));
  }

  /** A peer that is not HTTP/2 would not understand GOAWAY (RFC 9113, 3.4): none is sent. */
  withhold(): void {
    this.done = true;
  }
}

/**
 * The peer's GOAWAY named `lastStreamId`: the streams this side opened above it were not processed,
 * so they end with REFUSED_STREAM (safe to retry elsewhere). `streams` is copied: aborting one removes it.
 */
export function refuseUnprocessed(streams: Iterable<Stream>, lastStreamId: number, client: boolean): void {
  for (const stream of [...streams]) {
    if (stream.id > lastStreamId && (stream.id % 2 === 1) === client) {
      stream.abort(H2ErrorCode.REFUSED_STREAM, h2Error(ERR_CLOSED, H2ErrorCode.REFUSED_STREAM, `the peer's GOAWAY left stream ${stream.id} unprocessed`));
    }
  }
}

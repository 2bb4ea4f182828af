/**
 * Bounds on the work and memory a peer can cost the engine with frames that do nothing useful
 * (RFC 9113, 10.5): streams it opens only to reset them or to have them refused (rapid reset,
 * CVE-2023-44487), and frames we must answer (PING, SETTINGS, frames we reset) sent faster than
 * it reads the answers. Past a bound the connection ends with GOAWAY(ENHANCE_YOUR_CALM).
 * Counting happens on those paths only: the common path of a call touches nothing here.
 */
import { ConnectionError } from './errors';
import { H2ErrorCode } from './types';

/**
 * Streams the peer may open and then reset (RST_STREAM before the stream ended both ways), or
 * have refused (REFUSED_STREAM beyond maxConcurrentStreams, a header list we cannot serve), in a
 * burst. A token bucket, as nghttp2's stream reset limit: the burst refills at
 * WASTED_STREAMS_PER_SECOND (nghttp2's defaults, so node:http2 servers allow the same).
 */
export const MAX_WASTED_STREAMS_BURST = 1000;
export const WASTED_STREAMS_PER_SECOND = 33;

/**
 * Answers (PING ACK, SETTINGS ACK, RST_STREAM) we may produce while our outgoing queue (the
 * socket's writableLength, which includes what libuv still holds, plus the frames gathered this
 * tick) is at or above ANSWER_QUEUE_LIMIT: a peer that floods and never reads is stopped here.
 * write()'s return value alone is not enough: node:net returns true below its 16 KiB high-water
 * mark even while libuv keeps a partial write queued, so several reads' answers could pile up.
 * By construction our queue stays below ANSWER_QUEUE_LIMIT + (this + 1) answers + the GOAWAY.
 */
export const MAX_ANSWERS_WHILE_BLOCKED = 1000;

/** Outgoing bytes (node:net's default high-water mark) above which answers count as unread. */
export const ANSWER_QUEUE_LIMIT = 16 * 1024;

function enhanceYourCalm(message: string): ConnectionError {
  return new ConnectionError(H2ErrorCode.ENHANCE_YOUR_CALM, message);
}

export class FloodGuard {
  private tokens = MAX_WASTED_STREAMS_BURST;
  private refilledAt = 0;
  private answersWhileBlocked = 0;

  /** A stream the peer opened was reset by it or refused by us. Throws past the bound. */
  wastedStream(streamId: number): void {
    const now = performance.now();
    if (this.refilledAt === 0) this.refilledAt = now;
    this.tokens = Math.min(MAX_WASTED_STREAMS_BURST, this.tokens + ((now - this.refilledAt) / 1000) * WASTED_STREAMS_PER_SECOND);
    this.refilledAt = now;
    if (this.tokens < 1) {
      throw enhanceYourCalm(
        `the peer reset or had refused more than ${MAX_WASTED_STREAMS_BURST} streams (at stream ${streamId}; ${WASTED_STREAMS_PER_SECOND} per second are allowed after that burst)`,
      );
    }
    this.tokens -= 1;
  }

  /** We are about to queue an answer the peer asked for; `queuedBytes`: our outgoing queue now. */
  answer(queuedBytes: number, what: string): void {
    if (queuedBytes < ANSWER_QUEUE_LIMIT) {
      // The peer reads (or has read) what we sent: earlier answers were taken.
      this.answersWhileBlocked = 0;
      return;
    }
    if (++this.answersWhileBlocked > MAX_ANSWERS_WHILE_BLOCKED) {
      throw enhanceYourCalm(`the peer sent more than ${MAX_ANSWERS_WHILE_BLOCKED} frames needing an answer (the last ${what}) without reading our answers`);
    }
  }

  /** The socket drained: queued answers were taken. */
  drained(): void {
    this.answersWhileBlocked = 0;
  }
}

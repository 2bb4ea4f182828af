/**
 * The streams of a session that wait to send: for a flow-control window (theirs or the
 * connection's) or for the socket to drain. All are given their turn when any of those opens.
 */
import type { Stream } from './stream';

export class SendWaiters {
  private waiting: Stream[] = [];

  add(stream: Stream): void {
    if (stream.waiting) return;
    stream.waiting = true;
    this.waiting.push(stream);
  }

  /** A stream that closed: one that waited for a window the peer never opened must not stay referenced. */
  remove(stream: Stream): void {
    if (!stream.waiting) return;
    stream.waiting = false;
    const index = this.waiting.indexOf(stream);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  /** A window opened or the socket drained: every waiting stream sends what it now can, in order. */
  resume(): void {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const stream of waiting) stream.waiting = false;
    for (const stream of waiting) {
      if (!stream.closed) stream.pull();
    }
  }

  clear(): void {
    for (const stream of this.waiting) stream.waiting = false;
    this.waiting = [];
  }
}

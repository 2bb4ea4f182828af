/**
 * Receive-side flow control (RFC 9113, 5.2 and 6.9) of a stream or of the connection: DATA takes
 * from the window, processed bytes are given back with WINDOW_UPDATE once half the window has
 * been consumed (one update per half window, not per frame). Send windows are plain numbers on
 * the stream and the session; `addToWindow` checks their growth.
 */
import { MAX_WINDOW } from './frame';

export class ReceiveWindow {
  /** Bytes the peer may still send. */
  private available: number;
  /** Bytes received and consumed but not yet given back. */
  private unacked = 0;

  constructor(private readonly size: number) {
    this.available = size;
  }

  /** Takes `bytes` of an arriving DATA frame; false when they exceed the window (FLOW_CONTROL_ERROR). */
  receive(bytes: number): boolean {
    if (bytes > this.available) return false;
    this.available -= bytes;
    return true;
  }

  get window(): number {
    return this.available;
  }

  /** `bytes` were processed: returns the WINDOW_UPDATE increment to send now, or 0. */
  consume(bytes: number): number {
    const outstanding = this.size - this.available - this.unacked;
    this.unacked += Math.min(Math.max(bytes, 0), outstanding);
    if (this.unacked < this.size / 2) return 0;
    const increment = this.unacked;
    this.unacked = 0;
    this.available += increment;
    return increment;
  }
}

/**
 * A send window after WINDOW_UPDATE or a SETTINGS change of `delta`, or undefined when it would
 * exceed 2^31-1. It may go negative: a smaller SETTINGS_INITIAL_WINDOW_SIZE than the peer's
 * earlier one leaves DATA already sent counted against it (RFC 9113, 6.9.2).
 */
export function addToWindow(window: number, delta: number): number | undefined {
  const result = window + delta;
  return result > MAX_WINDOW ? undefined : result;
}

/**
 * The bound on the peer's half of the handshake: its first SETTINGS frame must arrive within
 * `settingsTimeoutMs` (an option of createH2Session; none by default, since an idle connection
 * may be legitimate), else the session ends with GOAWAY(SETTINGS_TIMEOUT). A peer that sends the
 * preface and then nothing would otherwise hold a socket and a session for as long as it likes.
 */
import { MAX_TIMER_MS } from '../protocol/deadline';
import { ConnectionError } from './errors';
import { H2ErrorCode } from './types';

export class SettingsDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, onExpired: (error: ConnectionError) => void) {
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(`H2SessionOptions.settingsTimeoutMs must be a finite number of ms > 0, got ${String(timeoutMs)}`);
    }
    const error = new ConnectionError(H2ErrorCode.SETTINGS_TIMEOUT, `the peer sent no SETTINGS frame within ${timeoutMs} ms`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      onExpired(error);
    }, Math.min(timeoutMs, MAX_TIMER_MS)); // beyond what a Node timer holds (24.8 days) it would fire at once
  }

  /** The peer's SETTINGS arrived, or the session ended. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The deadlines of one connection's calls on one Node timer. A timer per call made every call
 * with a deadline create and remove a Node timer list (each remaining time is a new duration):
 * measurable per call. Here a call's deadline is a Set entry; the timer is armed for the earliest
 * deadline and, when a call ends first, left to fire and re-arm for the next (it is unref'd, and
 * stopped when the connection closes).
 */

import { MAX_TIMER_MS } from '@vmrpc/transport';

/** A call with a deadline. */
export interface DeadlineHolder {
  /** When the call's deadline passes (Date.now() time). */
  readonly deadlineMs: number;
  /** Called once, when the deadline passed and the call was not removed before. */
  deadlinePassed(): void;
}

function onTimer(deadlines: Deadlines): void {
  deadlines.expire();
}

export class Deadlines {
  private readonly calls = new Set<DeadlineHolder>();
  private timer: NodeJS.Timeout | undefined = undefined;
  /** When the armed timer fires (Infinity: none armed). */
  private timerAt = Infinity;

  add(call: DeadlineHolder): void {
    this.calls.add(call);
    if (call.deadlineMs < this.timerAt) this.arm(call.deadlineMs);
  }

  /** The call ended: its deadline no longer matters (the timer stays armed for the others). */
  delete(call: DeadlineHolder): void {
    this.calls.delete(call);
  }

  /** The connection closed. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.calls.clear();
  }

  /** @internal The timer fired: every call due is told, and the timer re-armed for the earliest left. */
  expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const call of this.calls) {
      if (call.deadlineMs <= now) {
        this.calls.delete(call);
        call.deadlinePassed();
      } else if (call.deadlineMs < next) next = call.deadlineMs;
    }
    if (next !== Infinity && next < this.timerAt) this.arm(next);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(onTimer, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS), this);
    this.timer.unref();
  }
}

/**
 * One Node timer for the deadlines of many calls: a channel's calls (the client) or a
 * connection's (the agent's engine server).
 *
 * A timer per call made every call with a deadline insert and remove a Node timer (and, since
 * each remaining time is a new duration, often a whole timer list): about 3 us of host CPU per
 * tiny call. Here a deadline is a Set entry; the timer is armed for the earliest one and, when
 * that call ends first, left to fire and re-arm for the next. So a run of calls with the same
 * timeout arms the timer about once per timeout, not once per call.
 *
 * By default the timer keeps the process alive while it holds a call (as a call's own timer did:
 * a call waiting for a connection in backoff is held by nothing else) and not after the last call
 * left; a server's connection, which its socket keeps alive, passes `holdProcess: false`.
 */
import { MAX_TIMER_MS } from './deadline';

/** A call with a deadline. */
export interface DeadlineHolder {
  /** When the call's deadline passes (Date.now() time, finite). */
  readonly deadline: number;
  /** Called once, when the deadline passed and the call was not removed before. */
  deadlinePassed(): void;
}

function onTimer(timer: DeadlineTimer): void {
  timer.expire();
}

export interface DeadlineTimerOptions {
  /** Whether the timer keeps the process alive while it holds a call (default true). */
  holdProcess?: boolean;
}

export class DeadlineTimer {
  private readonly calls = new Set<DeadlineHolder>();
  private readonly holdProcess: boolean;
  private timer: NodeJS.Timeout | undefined = undefined;
  /** When the armed timer fires (Infinity: none armed). */
  private timerAt = Infinity;

  constructor(options: DeadlineTimerOptions = {}) {
    this.holdProcess = options.holdProcess ?? true;
  }

  /** Watches the call's deadline; a deadline already passed is reported at once (in this call). */
  add(call: DeadlineHolder): void {
    if (call.deadline <= Date.now()) return call.deadlinePassed();
    if (this.calls.size === 0 && this.holdProcess) this.timer?.ref();
    this.calls.add(call);
    if (call.deadline < this.timerAt) this.arm(call.deadline);
  }

  /** The call ended: its deadline no longer matters (the timer stays armed for the others). */
  delete(call: DeadlineHolder): void {
    if (!this.calls.delete(call)) return;
    if (this.calls.size === 0) this.timer?.unref();
  }

  /** The channel closed: a timer left armed for calls that have all ended is cleared (calls still running keep theirs). */
  closeIfIdle(): void {
    if (this.calls.size === 0) this.stop();
  }

  /** Forgets every call and clears the timer (a server's connection closed). */
  stop(): void {
    this.calls.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** @internal The timer fired: every call due is told, and the timer re-armed for the earliest left. */
  expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const call of this.calls) {
      if (call.deadline <= now) {
        this.calls.delete(call);
        call.deadlinePassed();
      } else if (call.deadline < next) next = call.deadline;
    }
    if (next < this.timerAt) this.arm(next);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(onTimer, Math.min(Math.max(at - Date.now(), 1), MAX_TIMER_MS), this);
    if (this.calls.size === 0 || !this.holdProcess) this.timer.unref();
  }
}

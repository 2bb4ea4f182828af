/**
 * The agent's heartbeat: sends one every interval the host asked for, and calls `onSilent` when
 * nothing came from the host for the host's timeout (a host that froze, or a link that died
 * without the socket knowing).
 */
export class Heartbeat {
  private lastHeard = Date.now();
  private sequence = 0n;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number, timeoutMs: number, send: (sequence: bigint) => void, onSilent: () => void) {
    this.timer = setInterval(() => {
      if (Date.now() - this.lastHeard > timeoutMs) {
        clearInterval(this.timer);
        return onSilent();
      }
      send(++this.sequence);
    }, intervalMs);
    // The session's socket keeps the process alive, not its heartbeat.
    this.timer.unref();
  }

  /** Something arrived from the host. */
  heard(): void {
    this.lastHeard = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

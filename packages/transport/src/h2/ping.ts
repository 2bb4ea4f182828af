/** PING round trips (RFC 9113, 6.7): each ping carries a counter, its ACK echoes it back. */
import { pingFrame } from './frame';

type PingCallback = (error: Error | undefined, rttMs: number) => void;

interface PendingPing {
  id: number;
  start: number;
  callback: PingCallback;
}

export class PingTracker {
  private pending: PendingPing[] = [];
  private nextId = 1;

  /** Records a ping and returns its frame. */
  start(callback: PingCallback): Buffer {
    const id = this.nextId++;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(id >>> 0, 4);
    this.pending.push({ id: id >>> 0, start: performance.now(), callback });
    return pingFrame(payload, false);
  }

  /** A PING ACK arrived; ACKs of pings we did not send are ignored. */
  acknowledged(payload: Buffer): void {
    if (payload.readUInt32BE(0) !== 0) return;
    const id = payload.readUInt32BE(4);
    const index = this.pending.findIndex((ping) => ping.id === id);
    if (index < 0) return;
    const [ping] = this.pending.splice(index, 1);
    ping.callback(undefined, performance.now() - ping.start);
  }

  /** The session ended: every waiting ping gets `error`. */
  fail(error: Error): void {
    const pending = this.pending;
    this.pending = [];
    for (const ping of pending) ping.callback(error, 0);
  }
}

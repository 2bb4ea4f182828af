/**
 * The example's protocol: one JSON line each way per connection. The guest answers a host that
 * dials it with a report of itself; a guest that dials the host announces itself and gets an ack.
 */
import { once } from 'node:events';
import * as os from 'node:os';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';

/** The vsock port the guest listens on (the host dials `hybrid-vsock:UDS:52`). */
export const GUEST_PORT = 52;
/** The port the guest dials on CID 2 (the VMM forwards it to `UDS_1234`, where the host listens). */
export const HOST_PORT = 1234;

/** What the guest says about itself. */
export interface GuestReport {
  readonly hostname: string;
  readonly kernel: string;
  readonly uptimeSeconds: number;
}

export function describeThisMachine(): GuestReport {
  return { hostname: os.hostname(), kernel: `${os.type()} ${os.release()}`, uptimeSeconds: Math.round(os.uptime()) };
}

/** Writes `message` as one JSON line. */
export function sendLine(socket: Duplex, message: unknown): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

/** The next JSON line from `socket`, or a rejection after `ms`. */
export async function receiveLine<T>(socket: Duplex, ms: number): Promise<T> {
  const lines = createInterface({ input: socket, crlfDelay: Infinity });
  try {
    const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(ms) })) as [string];
    return JSON.parse(line) as T;
  } finally {
    lines.close();
  }
}

/** The guest's two roles, on whatever socket the guest has (vsock in a real guest). */
import type { Duplex } from 'node:stream';
import { describeThisMachine, receiveLine, sendLine, type GuestReport } from './messages';

/** A host dialed in: tell it about this machine, then hang up. */
export function answerHost(socket: Duplex, report: GuestReport = describeThisMachine()): void {
  sendLine(socket, report);
  socket.end();
}

/** This guest dialed the host: announce itself and return the host's acknowledgement. */
export async function announce(socket: Duplex, report: GuestReport = describeThisMachine()): Promise<string> {
  sendLine(socket, { event: 'booted', ...report });
  const ack = await receiveLine<{ ack: string }>(socket, 5000);
  socket.end();
  return ack.ack;
}

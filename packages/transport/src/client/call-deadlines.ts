/** A client call's deadline: its own, or its parent's when that is earlier and propagated. */
import { propagate, type Deadline } from '@grpc/grpc-js';
import { deadlineMs } from '../protocol/deadline';

/** The call's deadline in ms since the epoch (Infinity for none), the parent's when earlier and propagated. */
export function callDeadline(deadline: Deadline, parentCall: { getDeadline(): Deadline } | null, propagateFlags: number): number {
  const ms = deadlineMs(deadline);
  if (parentCall === null || (propagateFlags & propagate.DEADLINE) === 0) return ms;
  return Math.min(ms, deadlineMs(parentCall.getDeadline()));
}

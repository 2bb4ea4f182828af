/**
 * What the calls waiting for a connection see when the attempt fails. Most failures are
 * UNAVAILABLE naming the target. A socket factory may instead reject with an error that carries a
 * gRPC status (a numeric `code` and optional `details`, as RpcError and grpc-js's ServiceError
 * do): an owner that knows better than "unavailable" (an agent id nobody registered: NOT_FOUND)
 * then decides the status the calls end with, through every client, typed or not.
 */
import { status as Status, type StatusObject } from '@grpc/grpc-js';

export type ConnectFailure = Pick<StatusObject, 'code' | 'details'>;

/** No attempt has failed since the last connection was made. */
export const NO_FAILURE: ConnectFailure = { code: Status.UNAVAILABLE, details: '' };

function statusOf(error: Error): Status | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) && code > Status.OK && code <= Status.UNAUTHENTICATED ? code : undefined;
}

/** The failure of a connection attempt to `targetName`, as calls report it. */
export function connectFailure(targetName: string, error: Error): ConnectFailure {
  const code = statusOf(error);
  if (code === undefined) return { code: Status.UNAVAILABLE, details: `Failed to connect to ${targetName}: ${error.message}` };
  const details = (error as { details?: unknown }).details;
  return { code, details: typeof details === 'string' ? details : error.message };
}

/** A lost connection: the calls on it, and those that wait for the next one, see UNAVAILABLE. */
export function connectionLost(targetName: string, error: Error): ConnectFailure {
  return { code: Status.UNAVAILABLE, details: `Connection to ${targetName} lost: ${error.message}` };
}

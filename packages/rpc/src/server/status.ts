/** How a handler's outcome becomes a gRPC status. */
import { status, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { INTERNAL_ERROR_DETAILS, RpcError } from '../errors';
import { mergeMetadata } from '../metadata';

/** Told of every error a handler throws that is not an RpcError (those are answers, not faults). */
export type ServerErrorListener = (error: unknown, method: string) => void;

/**
 * An RpcError becomes its own status, its metadata added to the trailers. Anything else becomes
 * INTERNAL with fixed details: the message and stack may hold secrets, so only `onError` sees them.
 */
export function errorToStatus(error: unknown, trailer: Metadata, method: string, onError: ServerErrorListener | undefined): StatusObject {
  if (RpcError.is(error) && error.code !== status.OK) {
    return { code: error.code, details: error.details, metadata: mergeMetadata(trailer, error.metadata) };
  }
  onError?.(error, method);
  return { code: status.INTERNAL, details: INTERNAL_ERROR_DETAILS, metadata: trailer };
}

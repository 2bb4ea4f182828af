/**
 * RpcError: a gRPC status as an Error. Handlers throw it to answer with that status; clients
 * reject with it whenever a call ends in a status other than OK.
 */
import { Metadata, status as Status } from '@grpc/grpc-js';

export { Status };

const statusNames = new Map<number, string>(
  Object.entries(Status)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, code]) => [code, name]),
);

/** The name of a status code (`NOT_FOUND` for 5), or `STATUS_<n>` for codes outside the table. */
export function statusName(code: number): string {
  return statusNames.get(code) ?? `STATUS_${code}`;
}

/** A gRPC status as an Error: thrown by handlers to answer with it, and what client calls reject with when a call does not end OK. */
export class RpcError extends Error {
  /** The gRPC status code (never OK). */
  readonly code: Status;
  /** The status message, as it travels in grpc-message. */
  readonly details: string;
  /** Trailing metadata sent with the status. */
  readonly metadata: Metadata;

  constructor(code: Status, details = '', metadata: Metadata = new Metadata(), options?: { cause?: unknown }) {
    super(details === '' ? statusName(code) : `${statusName(code)}: ${details}`, options);
    this.name = 'RpcError';
    this.code = code;
    this.details = details;
    this.metadata = metadata;
  }

  /** True for an RpcError, including one made by another copy of this package. */
  static is(error: unknown): error is RpcError {
    return error instanceof RpcError || (error instanceof Error && error.name === 'RpcError' && typeof (error as { code?: unknown }).code === 'number');
  }
}

/** Status details a handler's non-RpcError error is reported with; its message and stack stay on the server. */
export const INTERNAL_ERROR_DETAILS = 'Internal server error';

/** grpc-js's error shape for a failed call (ServiceError) turned into an RpcError. */
export function fromServiceError(error: unknown): RpcError {
  if (RpcError.is(error)) return error;
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    const details = 'details' in error && typeof error.details === 'string' ? error.details : '';
    const metadata = 'metadata' in error && error.metadata instanceof Metadata ? error.metadata : new Metadata();
    return new RpcError(error.code, details, metadata, { cause: error });
  }
  return new RpcError(Status.UNKNOWN, error instanceof Error ? error.message : String(error), new Metadata(), { cause: error });
}

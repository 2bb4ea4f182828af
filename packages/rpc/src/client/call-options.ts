/** Per-call options of typed clients, and how they become grpc-js call options. */
import { Metadata, status, type CallOptions as GrpcCallOptions } from '@grpc/grpc-js';
import { RpcError } from '../errors';
import { toMetadata, type MetadataInit } from '../metadata';

/** Per-call options of typed clients: deadline, cancellation, metadata, and callbacks for headers and trailers. */
export interface CallOptions {
  /** Absolute deadline (Date or ms since the epoch). The call fails with DEADLINE_EXCEEDED after it. */
  deadline?: Date | number;
  /** Relative deadline in milliseconds; with `deadline` too, the earlier one applies. */
  timeoutMs?: number;
  /** Aborting cancels the call: the server sees it cancelled, the caller gets RpcError CANCELLED. */
  signal?: AbortSignal;
  /** Request metadata. */
  metadata?: Metadata | MetadataInit;
  /**
   * Wait for the channel to connect instead of failing with UNAVAILABLE while it cannot
   * (bounded by the deadline). Default false: fail fast, as grpc-js does.
   */
  waitForReady?: boolean;
  /** Called with the response headers (initial metadata) when they arrive. */
  onHeader?: (header: Metadata) => void;
  /** Called with the trailers when the call ends, whatever its status. */
  onTrailer?: (trailer: Metadata) => void;
}

export interface PreparedCall {
  metadata: Metadata;
  options: GrpcCallOptions;
}

/** Per-call options override the client's defaults; metadata from both is combined. */
export function mergeCallOptions(defaults: CallOptions | undefined, options: CallOptions | undefined): CallOptions {
  if (defaults === undefined) return options ?? {};
  if (options === undefined) return defaults;
  const merged: CallOptions = { ...defaults, ...options };
  if (defaults.metadata !== undefined && options.metadata !== undefined) {
    const metadata = toMetadata(defaults.metadata);
    metadata.merge(toMetadata(options.metadata));
    merged.metadata = metadata;
  }
  return merged;
}

/** A RangeError (code ERR_OUT_OF_RANGE) for a deadline option that is not a time. */
function badDeadline(what: string, value: unknown): RangeError {
  const error = new RangeError(`${what} (got ${value instanceof Date ? 'an invalid Date' : String(value)}); leave it out for no deadline`);
  return Object.assign(error, { code: 'ERR_OUT_OF_RANGE' });
}

function deadlineOf(options: CallOptions): number | undefined {
  const absolute = options.deadline === undefined ? undefined : options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
  // NaN (an invalid Date, a failed computation) would mean no deadline at all: refused instead.
  if (absolute !== undefined && (typeof absolute !== 'number' || Number.isNaN(absolute))) throw badDeadline('deadline must be a valid Date or a number of ms since the epoch', options.deadline);
  const timeoutMs = options.timeoutMs;
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs))) throw badDeadline('timeoutMs must be a number of milliseconds', timeoutMs);
  const relative = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  if (absolute === undefined) return relative;
  if (relative === undefined) return absolute;
  return Math.min(absolute, relative);
}

export function prepareCall(options: CallOptions): PreparedCall {
  const deadline = deadlineOf(options);
  const metadata = toMetadata(options.metadata);
  // grpc-js carries waitForReady on the metadata, not in the call options.
  if (options.waitForReady === true) metadata.setOptions({ waitForReady: true });
  return { metadata, options: deadline === undefined ? {} : { deadline } };
}

/** The error a call aborted before it started rejects with. */
export function abortedError(signal: AbortSignal): RpcError {
  return new RpcError(status.CANCELLED, 'Cancelled by the caller', new Metadata(), { cause: signal.reason });
}

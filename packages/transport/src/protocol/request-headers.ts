/**
 * The HTTP/2 request headers of a gRPC call: the user's metadata, then the protocol's own
 * (which win over metadata of the same name), and `grpc-timeout` when the call has a deadline.
 */
import type * as http2 from 'node:http2';
import type { Metadata } from '@grpc/grpc-js';
import { formatGrpcTimeout, MAX_TIMER_MS } from './deadline';

/**
 * The longest grpc-timeout sent: what one Node timer holds, rounded down to whole seconds so the
 * header (`2147483S`) stays within it. grpc-js's server reads the header with `| 0` and arms one
 * timer: from 2^31 ms it failed the call at once, from 2^32 ms it cut the deadline short. The
 * client keeps its own deadline, however long; the server ends a longer call only when the
 * client does.
 */
const MAX_SENT_TIMEOUT_MS = Math.floor(MAX_TIMER_MS / 1000) * 1000;

/** The grpc-timeout header value of a call with `deadline` (ms since the epoch, finite). */
export function grpcTimeoutHeader(deadline: number): string {
  return formatGrpcTimeout(Math.min(deadline - Date.now(), MAX_SENT_TIMEOUT_MS));
}

export interface RequestTarget {
  secure: boolean;
  authority: string;
  /** `/package.Service/Method` */
  path: string;
  userAgent: string;
  /** ms since the epoch; Infinity for none. */
  deadline: number;
}

export function requestHeaders(metadata: Metadata, target: RequestTarget): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ...metadata.toHttp2Headers(),
    ':method': 'POST',
    ':scheme': target.secure ? 'https' : 'http',
    ':authority': target.authority,
    ':path': target.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': target.userAgent,
    'grpc-accept-encoding': 'identity,deflate,gzip',
  };
  if (Number.isFinite(target.deadline)) headers['grpc-timeout'] = grpcTimeoutHeader(target.deadline);
  return headers;
}

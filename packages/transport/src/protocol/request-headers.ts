/**
 * The HTTP/2 request headers of a gRPC call: the user's metadata, then the protocol's own
 * (which win over metadata of the same name), and `grpc-timeout` when the call has a deadline.
 */
import type * as http2 from 'node:http2';
import type { Metadata } from '@grpc/grpc-js';
import { formatGrpcTimeout } from './deadline';

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
  if (Number.isFinite(target.deadline)) headers['grpc-timeout'] = formatGrpcTimeout(target.deadline - Date.now());
  return headers;
}

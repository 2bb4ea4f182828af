/**
 * Header lists of calls on the vmrpc HTTP/2 engine: request headers as a flat list whose fixed
 * part (everything but metadata and grpc-timeout) is built once per method and connection, and
 * received header lists read into the object form the status helpers (protocol/status.ts) read,
 * with repeated fields joined by ", " as node:http2 joins them, so both engines report the same
 * metadata.
 */
import type * as http2 from 'node:http2';
import type { Metadata } from '@grpc/grpc-js';
import type { HeaderList } from '../h2/types';
import { grpcTimeoutHeader, type RequestTarget } from '../protocol/request-headers';

/** Headers the protocol sets; metadata of the same name is left out (the protocol's wins). */
const PROTOCOL_HEADERS = new Set(['content-type', 'te', 'user-agent', 'grpc-accept-encoding', 'grpc-timeout']);

interface FixedHeaders {
  secure: boolean;
  authority: string;
  userAgent: string;
  list: HeaderList;
}

/** Method paths a connection keeps fixed headers for before starting over (a client calls a handful). */
const MAX_CACHED_PATHS = 1024;

/**
 * The request headers of one connection's calls, with the fixed part of each method path built
 * once. One per connection: channels with other authorities or user agents keep their own, so
 * they never evict each other's lists.
 */
export class RequestHeaderLists {
  private readonly fixedByPath = new Map<string, FixedHeaders>();

  /**
   * The request headers of a call. Without metadata or deadline it is the cached list itself, so
   * the engine must not change a list it is given (it does not: lists are read, never written).
   */
  forCall(metadata: Metadata, target: RequestTarget): HeaderList {
    const fixed = this.fixed(target);
    let list: HeaderList | undefined;
    const fields = metadata.toHttp2Headers();
    for (const name in fields) {
      if (PROTOCOL_HEADERS.has(name)) continue;
      list ??= fixed.slice();
      const value = fields[name]!;
      if (Array.isArray(value)) for (const item of value) list.push(name, item);
      else list.push(name, String(value));
    }
    if (Number.isFinite(target.deadline)) (list ??= fixed.slice()).push('grpc-timeout', grpcTimeoutHeader(target.deadline));
    return list ?? fixed;
  }

  private fixed(target: RequestTarget): HeaderList {
    const cached = this.fixedByPath.get(target.path);
    // A call's own host (CallOptions.host) changes :authority for that call alone.
    if (cached !== undefined && cached.secure === target.secure && cached.authority === target.authority && cached.userAgent === target.userAgent) {
      return cached.list;
    }
    const list = [
      ':method', 'POST',
      ':scheme', target.secure ? 'https' : 'http',
      ':path', target.path,
      ':authority', target.authority,
      'content-type', 'application/grpc',
      'te', 'trailers',
      'user-agent', target.userAgent,
      'grpc-accept-encoding', 'identity,deflate,gzip',
    ];
    if (this.fixedByPath.size >= MAX_CACHED_PATHS) this.fixedByPath.clear();
    this.fixedByPath.set(target.path, { secure: target.secure, authority: target.authority, userAgent: target.userAgent, list });
    return list;
  }
}

/**
 * Objects with nothing inherited, as node:http2's header objects: a header named `constructor`
 * or `__proto__` is an own field. Made by a constructor whose prototype has a null prototype
 * rather than by Object.create(null), whose objects V8 keeps in (slower) dictionary mode.
 */
const ReceivedHeaders = function ReceivedHeaders() {} as unknown as new () => Record<string, string>;
ReceivedHeaders.prototype = Object.create(null);

// The last header objects made: a call's response headers and trailers, of a unary and of a
// streaming call. Held so that V8 13+ keeps their hidden classes (made field by field, each one
// reachable only from a live object) through full collections, with the code optimized for them
// (docs/architecture.md, "Hidden classes and full collections"). A few short strings.
const recentHeaders: Record<string, string>[] = [];
const RECENT_HEADERS = 4;

/** A received header list as node:http2 presents headers (`:status` left as text). */
export function headerObject(list: HeaderList): http2.IncomingHttpHeaders {
  const headers = new ReceivedHeaders();
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    const earlier = headers[name];
    headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
  }
  if (recentHeaders.unshift(headers) > RECENT_HEADERS) recentHeaders.pop();
  return headers;
}

/** The `:status` of a response header list (0 when it has none). */
export function httpStatusOf(headers: http2.IncomingHttpHeaders): number {
  const value = (headers as Record<string, string | undefined>)[':status'];
  return value === undefined ? 0 : Number(value);
}

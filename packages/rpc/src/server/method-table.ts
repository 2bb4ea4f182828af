/**
 * The rpc server's own record of what it serves: one entry per method path with its kind, its
 * message codecs and its implementation. add() and reflection fill it; grpc-js's Server gets a
 * handler made from each entry (grpc-calls.ts), and the engine server (engine/) dispatches on it.
 */
import { methodKind, responseFramer, type AnyMethodDescriptor, type MethodKind, type ServiceDescriptor } from '../descriptor';
import type { BidiStreamingHandler, ClientStreamingHandler, ServerStreamingHandler, UnaryHandler } from './handlers';
import type { ServerErrorListener } from './status';

interface MethodCodecs {
  /** `/package.Service/Method` */
  readonly path: string;
  /** A request from its wire encoding. */
  deserialize(bytes: Buffer): unknown;
  /** The wire encoding of a response, after 5 bytes left for its gRPC message prefix (descriptor.ts responseFramer). */
  serializeFramed(value: unknown): Buffer;
  readonly onError: ServerErrorListener | undefined;
}

/** One method the server serves; `kind` says which implementation shape it has. */
export type MethodEntry = MethodCodecs &
  (
    | { readonly kind: 'unary'; readonly implementation: UnaryHandler<unknown, unknown> }
    | { readonly kind: 'serverStreaming'; readonly implementation: ServerStreamingHandler<unknown, unknown> }
    | { readonly kind: 'clientStreaming'; readonly implementation: ClientStreamingHandler<unknown, unknown> }
    | { readonly kind: 'bidiStreaming'; readonly implementation: BidiStreamingHandler<unknown, unknown> }
  );

type AnyImplementation = UnaryHandler<unknown, unknown> & ServerStreamingHandler<unknown, unknown> & ClientStreamingHandler<unknown, unknown> & BidiStreamingHandler<unknown, unknown>;

/** The entry of `method` served by `fn` (already bound to its implementation object). */
function entryOf(method: AnyMethodDescriptor, fn: AnyImplementation, onError: ServerErrorListener | undefined): MethodEntry {
  const kind: MethodKind = methodKind(method);
  return {
    path: method.path,
    kind,
    implementation: fn,
    deserialize: (bytes) => method.requestDeserialize(bytes),
    serializeFramed: responseFramer(method),
    onError,
  };
}

export class MethodTable {
  private readonly methods = new Map<string, MethodEntry>();

  /**
   * The entries of `service` served by `implementation`, by method name; put them in the table
   * with commit() once the grpc-js Server took them too (it refuses a path served twice).
   */
  entriesOf(service: ServiceDescriptor, implementation: object, onError: ServerErrorListener | undefined): Map<string, MethodEntry> {
    const entries = new Map<string, MethodEntry>();
    const functions = implementation as Record<string, unknown>;
    for (const [name, method] of Object.entries(service)) {
      const fn = functions[name];
      if (typeof fn !== 'function') throw new TypeError(`the implementation has no function for ${name} (${method.path})`);
      // Bound so class-based implementations keep their `this`.
      entries.set(name, entryOf(method, fn.bind(implementation) as AnyImplementation, onError));
    }
    return entries;
  }

  commit(entries: Map<string, MethodEntry>): void {
    for (const entry of entries.values()) this.methods.set(entry.path, entry);
  }

  /** The entry serving `path`, if any. */
  get(path: string): MethodEntry | undefined {
    return this.methods.get(path);
  }
}

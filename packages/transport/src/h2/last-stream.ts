/**
 * Each session's stream forgotten last, held until the next one is forgotten or the session ends:
 * one finished call's objects (its stream, the call on each side) stay alive per connection, so
 * V8 13+ keeps their hidden classes, and the code optimized for them, through full collections
 * (docs/architecture.md, "Hidden classes and full collections").
 */
import type { Stream } from './stream';

const lastForgotten = new WeakMap<object, Stream>();

export function holdLastStream(session: object, stream: Stream): void {
  lastForgotten.set(session, stream);
}

export function releaseLastStream(session: object): void {
  lastForgotten.delete(session);
}

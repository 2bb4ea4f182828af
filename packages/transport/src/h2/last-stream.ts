/**
 * Each session's last small stream, held until the next small one is forgotten or the session
 * ends: one finished call's objects (its stream, the call on each side) stay alive per connection,
 * so V8 13+ keeps their hidden classes, and the code optimized for them, through full collections
 * (docs/architecture.md, "Hidden classes and full collections"). A stream that carried more than
 * HELD_STREAM_MAX_BYTES of DATA is not held: its messages would stay in memory with it, and a small
 * call's objects have the same classes.
 */
import type { Stream } from './stream';

/** The most DATA (sent and received) a stream may have carried to be held. */
export const HELD_STREAM_MAX_BYTES = 64 * 1024;

const lastForgotten = new WeakMap<object, Stream>();

export function holdLastStream(session: object, stream: Stream): void {
  if (stream.dataBytes <= HELD_STREAM_MAX_BYTES) lastForgotten.set(session, stream);
}

export function releaseLastStream(session: object): void {
  lastForgotten.delete(session);
}

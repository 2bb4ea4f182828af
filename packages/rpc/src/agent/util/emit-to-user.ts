/**
 * Events for user code. A listener that throws must not stop the state machine that emitted
 * (an agent that stops reconnecting, a registration left half done): every listener is called,
 * and an error one throws reaches the process as an uncaught exception on the next tick, as
 * node:net's event listeners' errors do. It is never swallowed.
 */
import type { EventEmitter } from 'node:events';

type Listener = (...args: unknown[]) => unknown;

// `emitter: object`, not EventEmitter<T>: how TypeScript infers T from a subclass differs between
// @types/node versions (grpc-latest's type check), and only our classes call this.
export function emitToUser(emitter: object, event: string, ...args: unknown[]): void {
  const listeners = (emitter as EventEmitter).rawListeners(event) as Listener[];
  for (const listener of listeners) {
    try {
      listener.apply(emitter, args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}

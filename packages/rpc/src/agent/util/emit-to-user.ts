/**
 * Events for user code. A listener that throws must not stop the state machine that emitted
 * (an agent that stops reconnecting, a registration left half done): every listener is called,
 * and an error one throws reaches the process as an uncaught exception on the next tick, as
 * node:net's event listeners' errors do. It is never swallowed.
 */
import type { EventEmitter } from 'node:events';

type Listener = (...args: unknown[]) => unknown;

export function emitToUser<T extends Record<keyof T, unknown[]>, K extends keyof T & string>(emitter: EventEmitter<T>, event: K, ...args: T[K]): void {
  const listeners = (emitter as unknown as EventEmitter).rawListeners(event) as Listener[];
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

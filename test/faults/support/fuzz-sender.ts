/**
 * Sends fuzz inputs to a listener, one connection each, several at a time: connect, write the
 * input, sometimes half-close, then wait a moment for the listener to close or answer before
 * closing. Counts how each connection ended.
 */
import { connect } from '@vmrpc/native';
import type { SeededRandom } from './random.js';

export interface StormTally {
  inputs: number;
  /** The listener closed the connection (refused, protocol error, timeout). */
  closedByListener: number;
  /** Still open when the sender gave up waiting (the listener waits for more bytes). */
  heldOpen: number;
  /** Could not connect at all (a full backlog, a limit). */
  connectFailed: number;
}

async function sendOne(dial: string, input: Buffer, halfClose: boolean, waitMs: number, tally: StormTally): Promise<void> {
  let socket;
  try {
    socket = await connect(dial, { connectTimeout: 10_000 });
  } catch {
    tally.connectFailed++;
    return;
  }
  socket.on('error', () => undefined);
  socket.resume(); // whatever the listener answers is read and dropped
  await new Promise<void>((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      tally.heldOpen++;
      socket.destroy();
      resolve();
    }, waitMs);
    socket.once('close', () => {
      if (!settled) {
        clearTimeout(timer);
        tally.closedByListener++;
      }
      resolve();
    });
    if (input.length > 0) socket.write(input);
    if (halfClose) socket.end();
  });
  if (!socket.destroyed) socket.destroy();
}

/** Sends `count` inputs made by `make` to `dial`, `concurrency` connections at a time. */
export async function fuzzStorm(dial: string, count: number, random: SeededRandom, make: (random: SeededRandom) => Buffer, options: { concurrency: number; waitMs: number }): Promise<StormTally> {
  const tally: StormTally = { inputs: 0, closedByListener: 0, heldOpen: 0, connectFailed: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const input = make(random);
      tally.inputs++;
      await sendOne(dial, input, random.next() < 0.5, options.waitMs, tally);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return tally;
}

/** Repeats `call` until `stop()` and fails if any call failed: the other clients keep being served. */
export function steadyCalls(call: (i: number) => Promise<void>): { stop(): Promise<number> } {
  let running = true;
  let calls = 0;
  const loop = (async () => {
    while (running) {
      await call(calls);
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return calls;
    },
  };
}

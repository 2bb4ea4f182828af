/**
 * A child process's stdout and stderr as one async iterable of chunks, ending with its exit.
 * The child's pipes are paused while chunks wait for a slow reader, so memory stays bounded.
 */
import type { ChildProcess } from 'node:child_process';

/** One piece of a child's life, in the order it happened. */
export type ChildEvent =
  | { kind: 'stdout'; data: Buffer }
  | { kind: 'stderr'; data: Buffer }
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'error'; error: NodeJS.ErrnoException };

/** Chunks held before the pipes are paused. */
const HIGH_WATER = 16;

/** Yields the child's output as it comes, then one `exit` (or `error` if it could not start). */
export async function* childEvents(child: ChildProcess): AsyncGenerator<ChildEvent> {
  const pending: ChildEvent[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const pipes = [child.stdout, child.stderr].filter((pipe) => pipe !== null);
  const push = (event: ChildEvent): void => {
    pending.push(event);
    if (pending.length >= HIGH_WATER) for (const pipe of pipes) pipe.pause();
    wake?.();
  };
  child.stdout?.on('data', (data: Buffer) => push({ kind: 'stdout', data }));
  child.stderr?.on('data', (data: Buffer) => push({ kind: 'stderr', data }));
  // 'close' comes after both pipes ended, so every byte is out before the exit.
  child.once('close', (code, signal) => {
    if (finished) return;
    finished = true;
    push({ kind: 'exit', code, signal });
  });
  child.once('error', (error) => {
    if (finished) return;
    finished = true;
    push({ kind: 'error', error });
  });
  for (;;) {
    const event = pending.shift();
    if (event === undefined) {
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    if (pending.length < HIGH_WATER / 2) for (const pipe of pipes) pipe.resume();
    yield event;
    if (event.kind === 'exit' || event.kind === 'error') return;
  }
}

/** Helpers every suite uses: checksums, bounded waits, descriptor-leak checks. */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { Duplex } from 'node:stream';

export function sha256(data: Buffer | Buffer[]): string {
  const hash = createHash('sha256');
  for (const chunk of Array.isArray(data) ? data : [data]) hash.update(chunk);
  return hash.digest('hex');
}

/** Random payload of `size` bytes with its hash. */
export function payload(size: number): { data: Buffer; hash: string } {
  const data = randomBytes(size);
  return { data, hash: sha256(data) };
}

/** Rejects if `promise` does not settle within `ms`: no test waits without a bound. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a stream to its end and returns the byte count and hash. */
export async function drain(stream: Duplex): Promise<{ bytes: number; hash: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, hash: hash.digest('hex') };
}

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; syscall?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The error `action` throws synchronously (rejection()'s twin); fails when it does not throw. */
export function thrown<E extends Error = Error & { code?: string }>(action: () => unknown): E {
  try {
    action();
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a throw, but it returned');
}

/** Open file descriptors of this process (Linux /proc). */
export function openFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Waits (bounded) until the open descriptor count is back to `baseline`, else throws with the difference. */
export async function expectNoFdLeak(baseline: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (openFdCount() <= baseline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`descriptor leak: ${openFdCount() - baseline} more open than before (now: ${describeOpenFds()})`);
}

/** A fresh path for a Unix socket in the OS temp dir. */
export function socketPath(name: string): string {
  return `/tmp/vmrpc-test-${process.pid}-${name}-${Math.random().toString(36).slice(2, 8)}.sock`;
}

/** The active handles of libuv that keep the loop alive, by type name (leak checks). */
export function activeResourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** The open descriptors and what they point at, for leak reports. */
export function describeOpenFds(): string {
  return fs
    .readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return `${fd}->${fs.readlinkSync(`/proc/self/fd/${fd}`)}`;
      } catch {
        return fd;
      }
    })
    .join(' ');
}

/**
 * For a describe block: cleanups registered by its tests run after each test, last first, and
 * then the process must hold no more fds than before the test. Returns the list to push onto.
 */
export function cleanupsWithoutFdLeaks(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  let fdBaseline = 0;
  beforeEach(() => (fdBaseline = openFdCount()));
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await expectNoFdLeak(fdBaseline);
  });
  return cleanups;
}

/** The handle-leak check of the engine's suites: libuv handles return to what they were before a test. */
import { activeResourceCounts } from '../../support/checks.js';

function leaked(before: Record<string, number>): string[] {
  const now = activeResourceCounts();
  return Object.keys(now).filter((name) => now[name] > (before[name] ?? 0)).map((name) => `${name} ${before[name] ?? 0} -> ${now[name]}`);
}

/** Waits (bounded) for sockets and timers of a test to close; they close on their own events. */
export async function expectNoResourceLeak(before: Record<string, number>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (leaked(before).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const left = leaked(before);
  if (left.length > 0) throw new Error(`handles left open after the test: ${left.join(', ')}`);
}

/**
 * Installs the check around every test of the calling suite. `before` is taken inside an async
 * hook, so mocha's own hook timer counts on both sides.
 */
export function checkLeaksAroundEachTest(): void {
  let before: Record<string, number> = {};
  beforeEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    before = activeResourceCounts();
  });
  afterEach(() => expectNoResourceLeak(before));
}

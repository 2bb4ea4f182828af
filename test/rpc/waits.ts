/**
 * Bounded waits for the rpc tests, on the event a condition stands for: a count reaching N.
 * pollUntil() is the fallback for state no event marks, and its name says it polls.
 */

/** A count a test waits on: reached(n) resolves as the count gets to n, without polling. */
export class Tally {
  private value = 0;
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];

  get count(): number {
    return this.value;
  }

  add(): void {
    this.value++;
    for (const waiter of this.waiters.filter((candidate) => candidate.n <= this.value)) waiter.resolve();
  }

  /** Resolves once the count is at least `n` (at once if it is); rejects after `ms` naming `what` and how far it got. */
  reached(n: number, what: string, ms = 5000): Promise<void> {
    if (this.value >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        if (error === undefined) resolve();
        else reject(error);
      };
      const waiter = { n, resolve: () => settle() };
      const timer = setTimeout(() => settle(new Error(`${what}: the count reached ${this.value} of ${n} within ${ms} ms`)), ms);
      this.waiters.push(waiter);
    });
  }
}

/**
 * Polls `condition` every 10 ms for at most `ms`: only for state that emits no event when it
 * changes (each caller says which). Wherever an event exists, wait on it instead.
 */
export async function pollUntil(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms (polled: no event marks it)`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

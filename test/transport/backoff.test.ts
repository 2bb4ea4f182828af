import { expect } from 'chai';
import { Backoff } from '@vmrpc/transport';

describe('reconnect backoff', () => {
  it('grows by 1.6x per failure, stays within +/-20% jitter, caps at the maximum, and resets', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 5000 });
    const bases = [1000, 1600, 2560, 4096, 5000, 5000];
    for (const base of bases) {
      const wait = backoff.next();
      expect(wait).to.be.within(base * 0.8, base * 1.2);
    }
    backoff.reset();
    expect(backoff.next()).to.be.within(800, 1200);
  });

  it('spreads waits (jitter), so clients do not reconnect in lockstep', () => {
    const waits = new Set(Array.from({ length: 20 }, () => Math.round(new Backoff({ initialMs: 1000 }).next())));
    expect(waits.size).to.be.greaterThan(10);
  });
});

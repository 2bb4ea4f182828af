import { expect } from 'chai';
import { Backoff, checkBackoff, createChannel } from '@vmrpc/transport';

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

  it('refuses values a timer cannot hold or that would redial in a tight loop, naming the field', () => {
    expect(() => new Backoff({ initialMs: 0 })).to.throw(RangeError, 'backoff options.initialMs must be a number of milliseconds from 1 to 2147483647 (got 0)');
    expect(() => new Backoff({ maxMs: 2 ** 31 }, 'options.reconnect')).to.throw(RangeError, 'options.reconnect.maxMs must be a number of milliseconds from 1 to 2147483647 (got 2147483648)');
    expect(() => checkBackoff('x', { multiplier: NaN })).to.throw(RangeError, 'x.multiplier must be a number 1 or more (got NaN)');
  });

  it('never waits longer than one Node timer holds, jitter included', () => {
    const backoff = new Backoff({ initialMs: 2 ** 31 - 1, jitter: 1 });
    for (let i = 0; i < 50; i++) expect(backoff.next()).to.be.at.most(2 ** 31 - 1);
  });

  it("a channel's reconnect backoff options are refused the same way, naming the option", () => {
    const target = 'unix:/nonexistent/vmrpc-backoff.sock';
    expect(() => createChannel(target, { grpc: { 'grpc.initial_reconnect_backoff_ms': 0 } })).to.throw(RangeError, 'channel option grpc.initial_reconnect_backoff_ms must be a number of milliseconds from 1 to 2147483647 (got 0)');
    expect(() => createChannel(target, { grpc: { 'grpc.max_reconnect_backoff_ms': 3e9 } })).to.throw(RangeError, 'channel option grpc.max_reconnect_backoff_ms must be a number of milliseconds from 1 to 2147483647 (got 3000000000)');
  });
});


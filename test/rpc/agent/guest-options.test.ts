// GuestAgent's options are checked where they enter, naming the option: a timeout or backoff a
// Node timer cannot hold (0, negative, NaN, past 2^31-1 ms) used to fire after 1 ms or redial in
// a tight loop, and a version or hostname the host refuses used to stop the agent at connect().
// The host's reconnect backoff is checked the same way (AgentHost's constructor).
import { AgentHost, GuestAgent } from '@vmrpc/rpc';
import { expect } from 'chai';
import { thrown } from '../../support/checks.js';

describe('GuestAgent options are checked in the constructor', function () {
  for (const value of [0, -1, NaN, Infinity, 3_000_000_000]) {
    it(`registrationTimeoutMs ${value} is a RangeError naming the option`, function () {
      const error = thrown(() => new GuestAgent({ id: 'vm-opt', registrationTimeoutMs: value }));
      expect(error).to.be.instanceOf(RangeError);
      expect(error.code).to.equal('ERR_OUT_OF_RANGE');
      expect(error.message).to.equal(`GuestAgent options.registrationTimeoutMs must be a number of milliseconds from 1 to 2147483647 (got ${value})`);
    });
  }

  const badBackoffs: Array<[Record<string, number>, string]> = [
    [{ initialMs: 0 }, 'initialMs must be a number of milliseconds from 1 to 2147483647 (got 0)'],
    [{ initialMs: -100 }, 'initialMs must be a number of milliseconds from 1 to 2147483647 (got -100)'],
    [{ initialMs: NaN }, 'initialMs must be a number of milliseconds from 1 to 2147483647 (got NaN)'],
    [{ maxMs: 5_000_000_000 }, 'maxMs must be a number of milliseconds from 1 to 2147483647 (got 5000000000)'],
    [{ multiplier: 0.5 }, 'multiplier must be a number 1 or more (got 0.5)'],
    [{ multiplier: Infinity }, 'multiplier must be a number 1 or more (got Infinity)'],
    [{ jitter: 2 }, 'jitter must be a number from 0 to 1 (got 2)'],
  ];
  for (const [reconnect, message] of badBackoffs) {
    it(`reconnect ${JSON.stringify(reconnect, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))} is a RangeError naming the field, on both sides`, function () {
      const agentError = thrown(() => new GuestAgent({ id: 'vm-opt', reconnect }));
      expect(agentError).to.be.instanceOf(RangeError);
      expect(agentError.code).to.equal('ERR_OUT_OF_RANGE');
      expect(agentError.message).to.equal(`GuestAgent options.reconnect.${message}`);
      const hostError = thrown(() => new AgentHost({ reconnect }));
      expect(hostError).to.be.instanceOf(RangeError);
      expect(hostError.message).to.equal(`AgentHost options.reconnect.${message}`);
    });
  }

  it('reconnect that is not an object is a TypeError', function () {
    const error = thrown(() => new GuestAgent({ id: 'vm-opt', reconnect: 'fast' as never }));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal('GuestAgent options.reconnect must be an object of backoff options (initialMs, maxMs, multiplier, jitter); got fast');
  });

  it('the ends of every range are taken', async function () {
    const agent = new GuestAgent({ id: 'vm-opt', registrationTimeoutMs: 2 ** 31 - 1, reconnect: { initialMs: 1, maxMs: 2 ** 31 - 1, multiplier: 1, jitter: 0 } });
    const host = new AgentHost({ reconnect: { initialMs: 2 ** 31 - 1, multiplier: 1e6, jitter: 1 } });
    await agent.close(0);
    await host.close(0);
  });

  const badFields: Array<[Record<string, unknown>, TypeErrorConstructor, string]> = [
    [{ version: '1.0\n' }, TypeError, 'GuestAgent options: version: at most 128 bytes, no control characters'],
    [{ version: 'v'.repeat(129) }, TypeError, 'GuestAgent options: version: at most 128 bytes, no control characters'],
    [{ hostname: 'vm\u0007' }, TypeError, 'GuestAgent options: hostname: at most 256 bytes, no control characters'],
    [{ version: 5 }, TypeError, 'GuestAgent options.version must be a string (got number)'],
  ];
  for (const [fields, type, message] of badFields) {
    it(`${JSON.stringify(fields).slice(0, 40)} (refused by the host) is refused at once: ${message}`, function () {
      const error = thrown(() => new GuestAgent({ id: 'vm-opt', ...fields }));
      expect(error).to.be.instanceOf(type);
      expect(error.message).to.equal(message);
    });
  }
});

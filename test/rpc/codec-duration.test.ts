// durationFromMillis(): a valid Duration for every input, also where rounding to nanoseconds
// reaches a whole second (nanos stays within ±999,999,999 and has the sign of seconds).
import { durationFromMillis, durationToMillis } from '@vmrpc/rpc';
import { expect } from 'chai';

describe('rpc codec: durationFromMillis', function () {
  it('carries a rounding that reaches a whole second into seconds', function () {
    expect(durationFromMillis(999.9999999)).to.deep.equal({ seconds: 1n, nanos: 0 });
    expect(durationFromMillis(1999.99999995)).to.deep.equal({ seconds: 2n, nanos: 0 });
    expect(durationFromMillis(-999.9999999)).to.deep.equal({ seconds: -1n, nanos: 0 });
  });

  it('keeps nanos within range and of the sign of seconds', function () {
    for (const ms of [0, 1, -1, 0.000001, 999.999999, -999.999999, 1500.25, -1500.25, 86_400_000.5, 1e12 + 0.5]) {
      const { seconds, nanos } = durationFromMillis(ms);
      expect(Math.abs(nanos), `${ms}`).to.be.below(1_000_000_000);
      expect(seconds === 0n || nanos === 0 || seconds > 0n === nanos > 0, `${ms}: ${seconds} s ${nanos} ns`).to.equal(true);
      expect(Math.abs(durationToMillis({ seconds, nanos }) - ms), `${ms}`).to.be.below(1e-3);
    }
    expect(durationFromMillis(-1500)).to.deep.equal({ seconds: -1n, nanos: -500_000_000 });
  });
});

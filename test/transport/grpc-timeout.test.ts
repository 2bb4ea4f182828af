import { expect } from 'chai';
import { formatGrpcTimeout, parseGrpcTimeout } from '@vmrpc/transport';

describe('grpc-timeout values', () => {
  it('parses 1 to 8 digits and a unit (H M S m u n) into milliseconds', () => {
    expect(parseGrpcTimeout('100m')).to.equal(100);
    expect(parseGrpcTimeout('0m')).to.equal(0);
    expect(parseGrpcTimeout('2S')).to.equal(2000);
    expect(parseGrpcTimeout('3M')).to.equal(180_000);
    expect(parseGrpcTimeout('1H')).to.equal(3_600_000);
    expect(parseGrpcTimeout('99999999H')).to.equal(99_999_999 * 3_600_000);
    expect(parseGrpcTimeout('1500u')).to.equal(1.5);
    expect(parseGrpcTimeout('2000000n')).to.equal(2);
  });

  it('refuses everything else: no digits, 9 digits, an unknown unit, signs, spaces, non-ASCII digits', () => {
    for (const bad of ['', 'm', '100', '123456789m', '10s', '1h', '+1m', '-1m', '1.5m', ' 1m', '1m ', '1 hour', '١m', '1mm', '\u0000m', '1\u0100']) {
      expect(parseGrpcTimeout(bad), JSON.stringify(bad)).to.equal(undefined);
    }
  });

  it('round-trips what formatGrpcTimeout writes, never shorter', () => {
    for (const ms of [0, 1, 999, 1000, 123_456, 99_999_999, 100_000_000, 3_600_000_000]) {
      const parsed = parseGrpcTimeout(formatGrpcTimeout(ms));
      expect(parsed, String(ms)).to.be.at.least(ms);
    }
  });
});

// vmrpc call's JSON at its edges: values beyond a type's range, open enums, names that are also
// Object.prototype members, and what it prints (against the real test server over a Unix socket).
import { expect } from 'chai';
import { runCli } from './run-cli.js';
import { startTestServer, type TestServer } from './grpc-server.js';

const STREAMING = 'vmrpc.testing.v1.Streaming';

describe('vmrpc call: JSON edges', function () {
  this.timeout(30_000);
  let served: TestServer;

  before(async () => {
    served = await startTestServer();
  });

  after(async () => {
    await served?.server.close(0);
  });

  describe('64-bit integers beyond their range: usage error, exit 2, nothing sent', () => {
    for (const [field, value, range] of [
      ['value', '99999999999999999999', '-9223372036854775808 to 9223372036854775807 (int64)'],
      ['value', '9223372036854775808', '-9223372036854775808 to 9223372036854775807 (int64)'],
      ['value', '-9223372036854775809', '-9223372036854775808 to 9223372036854775807 (int64)'],
    ] as const) {
      it(`Action.${field} = ${value}`, async () => {
        const result = await runCli(['call', served.target, `${STREAMING}/Act`, JSON.stringify({ [field]: value })]);
        expect(result.stderr).to.equal(`vmrpc call: the JSON argument: Action.${field}: expected a 64-bit integer from ${range}, got "${value}"\n`);
        expect(result.code).to.equal(2);
        expect(result.stdout.length).to.equal(0);
      });
    }

    it('a uint64 of 2^64, and a negative one', async () => {
      for (const value of ['18446744073709551616', '-1']) {
        const result = await runCli(['call', served.target, `${STREAMING}/Echo`, JSON.stringify({ scalars: { uint64Value: value } })]);
        expect(result.stderr).to.equal(`vmrpc call: the JSON argument: Everything.scalars.uint64Value: expected a 64-bit integer from 0 to 18446744073709551615 (uint64), got "${value}"\n`);
        expect(result.code).to.equal(2);
      }
    });

    it('the ends of the ranges still go through exactly', async () => {
      const json = { scalars: { int64Value: '-9223372036854775808', uint64Value: '18446744073709551615', sint64Value: '9223372036854775807' } };
      const result = await runCli(['call', served.target, `${STREAMING}/Echo`, JSON.stringify(json)]);
      expect(result.stderr).to.equal('');
      expect(JSON.parse(result.stdout.toString())).to.deep.equal(json);
    });
  });
});

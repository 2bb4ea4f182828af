// Every duration option of the CLI that one Node timer holds is bounded by what it holds (or the
// gateway takes; a call's --timeout only by an exact number of ms):
// beyond it, or at 0 where 0 means nothing, a usage error (exit 2) naming the option, before
// anything is opened.
import { expect } from 'chai';
import { runCli } from './run-cli.js';
import { useTestServer } from './grpc-server.js';

const NOBODY = `unix-abstract:vmrpc-test-nobody-${process.pid}`;
const TIMER_MAX = "at most 2147483647ms (about 24.8 days, the longest a Node timer holds; got '1000h')";
const METHOD = 'vmrpc.testing.v1.Streaming/Act';
// A call's deadline has no timer's bound (the client keeps it), only that of an exact number.
const DEADLINE_MAX = "at most 9007199254740991ms (the largest exact number of ms; got '2502000000h')";

describe('vmrpc: duration options out of bounds are usage errors', function () {
  this.timeout(30_000);

  const cases: Array<[string[], string, string]> = [
    [['call', '-w', '0', NOBODY, METHOD, '{}'], 'call', "--connect-timeout must be at least 1ms (got '0')"],
    [['call', '-w', '1000h', NOBODY, METHOD, '{}'], 'call', `--connect-timeout must be ${TIMER_MAX}`],
    [['call', '--timeout', '2502000000h', NOBODY, METHOD, '{}'], 'call', `--timeout must be ${DEADLINE_MAX}`],
    [['call', '--timeout', '0.4ms', NOBODY, METHOD, '{}'], 'call', "--timeout must be at least 1ms (got '0.4ms')"],
    [['call', '--agent', 'vm-1', '--wait', '300h', NOBODY, METHOD, '{}'], 'call', "--wait must be at most 999999999ms (about 11.5 days, the longest the gateway waits; got '300h')"],
    [['list', '--timeout', '2502000000h', NOBODY], 'list', `--timeout must be ${DEADLINE_MAX}`],
    [['list', '-w', '0', NOBODY], 'list', "--connect-timeout must be at least 1ms (got '0')"],
    [['ping', '-i', '1000h', NOBODY], 'ping', `--interval must be ${TIMER_MAX}`],
    [['ping', '--timeout', '1000h', NOBODY], 'ping', `--timeout must be ${TIMER_MAX}`],
    [['ping', '-w', '0', NOBODY], 'ping', "--connect-timeout must be at least 1ms (got '0')"],
    [['nc', '-w', '1000h', NOBODY], 'nc', `--connect-timeout must be ${TIMER_MAX}`],
    [['agents', '--timeout', '2502000000h', NOBODY], 'agents', `--timeout must be ${DEADLINE_MAX}`],
  ];
  for (const [args, command, message] of cases) {
    it(`vmrpc ${args.slice(0, 3).join(' ')}`, async () => {
      const result = await runCli(args);
      expect(result.stderr).to.equal(`vmrpc ${command}: ${message} (see vmrpc ${command} --help)\n`);
      expect(result.code).to.equal(2);
    });
  }

  it('the longest a timer holds is still accepted (ping -i 2147483647ms, --wait 0)', async () => {
    // Nothing listens: the options passed, and the connection failed (exit 1, not 2).
    const ping = await runCli(['ping', '-c', '1', '-i', '2147483647ms', '--timeout', '596h', NOBODY]);
    expect(ping.stderr).to.equal(`vmrpc ping: connect ECONNREFUSED ${NOBODY} (nothing is listening there)\n`);
    expect(ping.code).to.equal(1);
    const call = await runCli(['call', '--agent', 'vm-1', '--wait', '0', '--timeout', '596h', NOBODY, METHOD, '{}']);
    expect(call.code).to.equal(78);
  });
});

describe('vmrpc call: a --timeout longer than a timer holds', function () {
  this.timeout(30_000);
  const served = useTestServer();

  for (const timeout of ['600h', '2501999000h']) {
    it(`--timeout ${timeout} succeeds against a grpc-js server, which sees a deadline 2^31-1 ms away`, async () => {
      const result = await runCli(['call', '--timeout', timeout, served.target, METHOD, JSON.stringify({ value: '6', key: timeout })]);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(JSON.parse(result.stdout.toString())).to.deep.include({ value: '6' });
      // The grpc-timeout header is capped at what one server timer holds (2147483 s); measured
      // after the call, so the CLI's start and end count against the bound's low side only.
      const remaining = served.log.deadlines.get(timeout)!.getTime() - Date.now();
      expect(remaining).to.be.within(2 ** 31 - 1 - 20_000, 2 ** 31 - 1);
    });
  }

  it('list --timeout 600h: the reflection requests succeed', async () => {
    const result = await runCli(['list', '--timeout', '600h', served.target]);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout.toString()).to.include('vmrpc.testing.v1.Streaming\n');
  });
});

// Every duration option of the CLI is bounded by what a Node timer holds (or the gateway takes):
// beyond it, or at 0 where 0 means nothing, a usage error (exit 2) naming the option, before
// anything is opened.
import { expect } from 'chai';
import { runCli } from './run-cli.js';

const NOBODY = `unix-abstract:vmrpc-test-nobody-${process.pid}`;
const TIMER_MAX = "at most 2147483647ms (about 24.8 days, the longest a Node timer holds; got '1000h')";
const METHOD = 'vmrpc.testing.v1.Streaming/Act';

describe('vmrpc: duration options out of bounds are usage errors', function () {
  this.timeout(30_000);

  const cases: Array<[string[], string, string]> = [
    [['call', '-w', '0', NOBODY, METHOD, '{}'], 'call', "--connect-timeout must be at least 1ms (got '0')"],
    [['call', '-w', '1000h', NOBODY, METHOD, '{}'], 'call', `--connect-timeout must be ${TIMER_MAX}`],
    [['call', '--timeout', '1000h', NOBODY, METHOD, '{}'], 'call', `--timeout must be ${TIMER_MAX}`],
    [['call', '--timeout', '0.4ms', NOBODY, METHOD, '{}'], 'call', "--timeout must be at least 1ms (got '0.4ms')"],
    [['call', '--agent', 'vm-1', '--wait', '300h', NOBODY, METHOD, '{}'], 'call', "--wait must be at most 999999999ms (about 11.5 days, the longest the gateway waits; got '300h')"],
    [['list', '--timeout', '1000h', NOBODY], 'list', `--timeout must be ${TIMER_MAX}`],
    [['list', '-w', '0', NOBODY], 'list', "--connect-timeout must be at least 1ms (got '0')"],
    [['ping', '-i', '1000h', NOBODY], 'ping', `--interval must be ${TIMER_MAX}`],
    [['ping', '--timeout', '1000h', NOBODY], 'ping', `--timeout must be ${TIMER_MAX}`],
    [['ping', '-w', '0', NOBODY], 'ping', "--connect-timeout must be at least 1ms (got '0')"],
    [['nc', '-w', '1000h', NOBODY], 'nc', `--connect-timeout must be ${TIMER_MAX}`],
    [['agents', '--timeout', '1000h', NOBODY], 'agents', `--timeout must be ${TIMER_MAX}`],
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

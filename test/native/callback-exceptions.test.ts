// An exception thrown by user code in a callback the addon runs from the event loop must reach
// 'uncaughtException' at once, as with node:net: each path runs in a child process that throws.
import { expect } from 'chai';
import { runThrowFixture, type ThrowScenario } from './support/throw-fixture.js';
import { linuxOnly } from './support/linux-only.js';

const HOST_SCENARIOS: ThrowScenario[] = ['connection', 'message', 'portable-data', 'refused-connect', 'connect-timeout', 'connect-listener', 'send-completion'];

describe('exceptions thrown in callbacks the addon runs', function () {
  linuxOnly(this);

  for (const scenario of HOST_SCENARIOS) {
    it(`${scenario}: reaches 'uncaughtException' at once; the next addon call is unaffected`, async () => {
      const run = await runThrowFixture(scenario, 'handled');
      expect(run.report, `stdout: ${run.stdout} stderr: ${run.stderr}`).to.deep.equal({
        message: `boom in ${scenario}`,
        origin: 'uncaughtException',
        nextCall: 'ok',
      });
    });

    it(`${scenario}: without a handler the process fails with the error (never exits 0)`, async () => {
      const run = await runThrowFixture(scenario, 'unhandled');
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.include(`boom in ${scenario}`);
    });
  }
});

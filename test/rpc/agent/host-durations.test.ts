// AgentHost's durations are Node timers: beyond 2^31-1 ms one would fire after 1 ms (a
// registrationTimeoutMs of 3e9 refused every link), so they are refused, naming the option.
import { expect } from 'chai';
import { AgentHost } from '@vmrpc/rpc';

describe('AgentHost durations', () => {
  it('AgentHost names its own option when a duration is beyond a timer', async () => {
    for (const name of ['registrationTimeoutMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'callLinkTimeoutMs', 'retainOfflineMs'] as const) {
      const error = (() => {
        try {
          new AgentHost({ [name]: 3e9 });
          return undefined;
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(error, name).to.be.instanceOf(RangeError);
      expect(error).to.have.property('code', 'ERR_OUT_OF_RANGE');
      expect((error as Error).message).to.contain(`options.${name}`);
    }
  });

});

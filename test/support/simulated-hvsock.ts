/**
 * Mocha helpers that swap the simulated Windows addon in for one describe(), and check after
 * it that every keep-alive ref was returned and every socket closed.
 */
import { expect } from 'chai';
import { replaceAddonForTests } from '@vmrpc/native/testing';
import { SimulatedHvsockAddon } from './simulated-hvsock-addon.js';

/** Installs a fresh simulated addon around the tests of `suite`; returns a getter for it. */
export function useSimulatedHvsock(suite: Mocha.Suite): () => SimulatedHvsockAddon {
  let addon: SimulatedHvsockAddon | undefined;
  suite.beforeAll(() => {
    addon = new SimulatedHvsockAddon();
    replaceAddonForTests(addon);
  });
  suite.afterAll(() => replaceAddonForTests(undefined));
  return () => {
    if (addon === undefined) throw new Error('the simulated addon exists only while its suite runs');
    return addon;
  };
}

/** Waits (bounded) until cancelled completions came back, then expects no refs and no open sockets. */
export async function expectSimulationIdle(addon: SimulatedHvsockAddon, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && (addon.refs !== 0 || addon.openSockets !== 0)) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(addon.refs, 'keep-alive refs still held').to.equal(0);
  expect(addon.openSockets, 'sockets still open').to.equal(0);
}

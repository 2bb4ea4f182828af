/**
 * Mocha root hooks of the faults suite: the shared warm-up, the run's seed, and the figures file
 * written after the last test (with the pass/fail counts, so a report never shows a failed run
 * as held).
 */
import { mochaHooks as warmup } from '../../support/warmup.js';
import { recordSeed, saveFigures } from './figures.js';
import { runSeed } from './random.js';
import { faultScale } from './scale.js';

function count(suite: Mocha.Suite, state: 'passed' | 'failed'): number {
  return suite.tests.filter((test) => test.state === state).length + suite.suites.reduce((sum, child) => sum + count(child, state), 0);
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    await warmup.beforeAll();
    recordSeed(runSeed());
  },
  afterAll(this: Mocha.Context): void {
    let root = this.test?.parent;
    while (root?.parent !== undefined) root = root.parent;
    if (root === undefined) return;
    const where = process.env.VMRPC_HARNESS_GUEST === '1' ? 'vsock' : 'host';
    saveFigures(where, faultScale().name, count(root, 'passed'), count(root, 'failed'));
  },
};

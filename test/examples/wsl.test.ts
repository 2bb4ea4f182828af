/** examples/wsl runs on Windows and in WSL; here, only that the Windows side says so in one line. */
import { expect } from 'chai';
import { exampleScript, runNode } from './run-node.js';

describe('examples/wsl', function () {
  it('stops with one line outside Windows', async function () {
    if (process.platform === 'win32') this.skip();
    const result = await runNode(exampleScript('wsl', 'windows-host'), []);
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^windows: .*Windows/);
  });
});

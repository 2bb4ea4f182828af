/** examples/host-guest-agent over vsock loopback, in the VM harness: `pnpm demo` picks vsock by itself there. */
import { expect } from 'chai';
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';
import { exampleScript, runNode } from './run-node.js';

describe('examples/host-guest-agent over vsock loopback', function () {
  requireVsockTestGuest(this);

  it('the demo chooses vsock loopback, and the host sees the agent at CID 1', async function () {
    const port = freshVsockPort();
    // Three node processes under TCG: generous, and still bounded.
    const result = await runNode(exampleScript('host-guest-agent', 'demo'), ['--port', String(port)], 50_000);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const out = result.stdout;
    expect(out).to.match(new RegExp(`^transport: vsock loopback inside the project's microVM \\(vsock:local:${port}\\)$`, 'm'));
    expect(out).to.match(/^ {2}why: the kernel has vsock loopback \(\/sys\/module\/vsock_loopback exists\): CID 1 never leaves this machine$/m);
    expect(out).to.include(`host: listening for agents on vsock:1:${port}`);
    expect(out).to.match(/agent demo-agent: registered; the host sees this guest as vsock:1 /);
    expect(out).to.match(/ {5}local CID +1$/m);
    expect(out).to.match(/\$ uname -a\n.*out \| Linux /);
    expect(out).to.include('refused: NOT_FOUND: no such file: /etc/vmrpc-demo-missing');
    expect(out).to.match(/^demo: done in \d+\.\d s over vsock loopback inside the project's microVM \(exit codes: host 0, agent 0\)$/m);
  });
});

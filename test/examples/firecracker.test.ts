/** examples/firecracker: its host side, both directions over hybrid vsock, against the example's muxer stand-in. */
import { expect } from 'chai';
import { exampleScript, runNode } from './run-node.js';

describe('examples/firecracker', function () {
  it('talks guest -> host and host -> guest through the muxer stand-in', async function () {
    const result = await runNode(exampleScript('firecracker', 'try-here'), []);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^stand-in: a Firecracker vsock muxer STAND-IN on \/\S+\/v\.sock/m);
    expect(result.stdout).to.match(/^host: listening for guests on hybrid-vsock:\/\S+\/v\.sock:1234 \(the Unix socket \/\S+\/v\.sock_1234\)$/m);
    expect(result.stdout).to.match(/^host: guest standin-guest says booted/m);
    expect(result.stdout).to.match(/^stand-in guest: the host answered: welcome, standin-guest$/m);
    expect(result.stdout).to.match(/^host: connected to hybrid-vsock:\/\S+\/v\.sock:52; the VMM gave this connection host port 1073741824$/m);
    expect(result.stdout).to.match(/^host: the guest reports standin-guest, /m);
  });

  it('says in one line what the host needs', async function () {
    const result = await runNode(exampleScript('firecracker', 'host'), []);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^host: --uds is required \(the VMM's vsock uds_path\)\n/);
  });

  it('reports a VMM socket that is not there', async function () {
    const result = await runNode(exampleScript('firecracker', 'host'), ['--uds', '/nonexistent-vmrpc/v.sock']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^host: .*(ENOENT).*\n$/);
  });
});

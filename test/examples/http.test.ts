/** examples/http: a guest serving Express, ws and Connect-RPC on one VM socket; a host calling it with fetch, ws and Connect. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { exampleScript, runNode, startNode } from './run-node.js';

describe('examples/http', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vmrpc-http-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers fetch, a Connect-RPC call and a WebSocket on one Unix socket target', async function () {
    const target = `unix:${join(dir, 'guest.sock')}`;
    const guest = startNode(exampleScript('http', 'guest'), ['--listen', target]);
    try {
      await guest.waitFor(/guest: serving HTTP, WebSocket and Connect-RPC/);
      const host = await runNode(exampleScript('http', 'host'), ['--target', target]);
      expect(host.code, host.stderr).to.equal(0);
      const lines = host.stdout.trim().split('\n');
      expect(lines[0]).to.equal('host: fetch /health -> ok (the guest saw unix:unnamed-peer)');
      expect(lines[1]).to.match(/^host: GuestService\.Info -> \S+ \(the guest saw unix:unnamed-peer\)$/);
      expect(lines[2]).to.equal('host: ws /events -> {"event":"hello","caller":"unix:unnamed-peer"}');
      guest.child.kill('SIGTERM');
      const ended = await guest.done;
      expect(ended.code).to.equal(0);
      expect(ended.stdout).to.include('guest: closed');
    } finally {
      guest.child.kill('SIGKILL');
    }
  });

  it('fails in one line when no guest listens', async function () {
    const host = await runNode(exampleScript('http', 'host'), ['--target', `unix:${join(dir, 'nobody.sock')}`]);
    expect(host.code).to.equal(1);
    expect(host.stderr).to.match(/^host: connect ENOENT .*\n$/);
  });
});

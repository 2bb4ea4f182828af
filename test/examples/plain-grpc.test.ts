/** examples/plain-grpc: the stock grpc-js server and client over a Unix socket target. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { exampleScript, runNode, startNode } from './run-node.js';

describe('examples/plain-grpc', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vmrpc-plain-grpc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers the proto-loader client through listen() and clientOptions()', async function () {
    const target = `unix:${join(dir, 'greeter.sock')}`;
    const server = startNode(exampleScript('plain-grpc', 'server'), ['--listen', target]);
    try {
      await server.waitFor(/server: Greeter listening/);
      const client = await runNode(exampleScript('plain-grpc', 'client'), ['--target', target, '--name', 'tester']);
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.equal('client: Hello, tester (the server saw this client as unix:unnamed-peer)\n');
      server.child.kill('SIGTERM');
      const ended = await server.done;
      expect(ended.code).to.equal(0);
      expect(ended.stdout).to.include('server: closed');
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('fails the call in one line when no server listens', async function () {
    const client = await runNode(exampleScript('plain-grpc', 'client'), ['--target', `unix:${join(dir, 'nobody.sock')}`]);
    expect(client.code).to.equal(1);
    expect(client.stderr).to.match(/^client: 14 UNAVAILABLE: .*\n$/);
  });
});

/** examples/enclave over a Unix socket (the toHost flag applies to vsock only; the exchange is the same). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { exampleScript, runNode, startNode } from './run-node.js';

describe('examples/enclave', function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vmrpc-enclave-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function exchange(parentArgs: string[]): Promise<{ parent: string; enclave: Awaited<ReturnType<typeof runNode>> }> {
    const target = `unix:${join(dir, 'parent.sock')}`;
    const parent = startNode(exampleScript('enclave', 'parent'), ['--listen', target, '--once', ...parentArgs]);
    try {
      await parent.waitFor(/parent: serving/);
      const enclave = await runNode(exampleScript('enclave', 'enclave'), ['--parent', target, '--name', 'test-enclave']);
      return { parent: parent.output(), enclave };
    } finally {
      parent.child.kill('SIGKILL');
    }
  }

  it('gets its configuration from the parent', async function () {
    const { parent, enclave } = await exchange([]);
    expect(enclave.code, enclave.stderr).to.equal(0);
    expect(enclave.stdout).to.match(/^enclave: connected to unix:\/\S+$/m);
    expect(enclave.stdout).to.include('enclave: configuration {"region":"eu-west-1","log-level":"info"}');
    expect(parent).to.include(`parent: test-enclave (a Unix socket peer (uid ${process.getuid!()})) asks for its config`);
  });

  it('is refused by a parent that admits one enclave CID only', async function () {
    const { enclave } = await exchange(['--enclave-cid', '16']);
    expect(enclave.code).to.equal(1);
    expect(enclave.stderr).to.equal(`enclave: the parent refused: CID not allowed (it sees this enclave as a Unix socket peer (uid ${process.getuid!()}))\n`);
  });
});

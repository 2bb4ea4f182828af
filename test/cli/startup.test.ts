// What a `vmrpc` run loads: a command loads its own module and what it imports, so the quick
// commands (`--version`, `cid`, `nc`) start without the gRPC stack, which takes seconds to load
// in a TCG guest (docs/cli.md).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'chai';
import { repoRoot, vmrpcBin } from './run-cli.js';

const reporter = path.join(repoRoot, 'test/cli/fixtures/report-loaded.cjs');

/** The heavy packages a `vmrpc ARGS` run loaded (it must exit 0). */
function loadedBy(args: string[]): string[] {
  const result = spawnSync(process.execPath, ['--require', reporter, vmrpcBin, ...args], { timeout: 30_000, encoding: 'utf8' });
  expect(result.error, 'the run ends within 30 s').to.equal(undefined);
  expect(result.status, result.stderr).to.equal(0);
  const line = /^loaded:(.*)$/m.exec(result.stderr);
  expect(line, result.stderr).to.not.equal(null);
  return line![1]!.split(' ').filter((name) => name !== '');
}

describe('vmrpc: what a run loads', function () {
  for (const args of [['--version'], ['cid', '--help'], ['nc', '--help'], ['hvsock', '--help'], ['vms', '--help']]) {
    it(`vmrpc ${args.join(' ')} loads no gRPC package`, function () {
      expect(loadedBy(args)).to.deep.equal([]);
    });
  }

  it('vmrpc call --help loads the gRPC stack it needs (the check above can see it)', function () {
    expect(loadedBy(['call', '--help'])).to.include.members(['@vmrpc/rpc', '@grpc/grpc-js']);
  });

  it('vmrpc --help lists every command, so it loads them all', function () {
    expect(loadedBy(['--help'])).to.include('@vmrpc/rpc');
  });
});

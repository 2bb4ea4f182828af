// When the addon cannot be found (a pnpm 10 install that skipped its build, an unsupported
// platform), `vmrpc` prints the whole hint: the fix for each package manager, not only line one.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { vmrpcBin } from './run-cli.js';

describe('vmrpc without its addon', function () {
  it('prints the per-package-manager fix of ERR_VMRPC_NATIVE_UNAVAILABLE and exits 1', function () {
    // node-gyp-build's own override (<PACKAGE NAME>_PREBUILD) pointed at an empty directory: no
    // build/ and no prebuilds/ there, exactly what an install with no binary leaves.
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-noaddon-'));
    try {
      const result = spawnSync(process.execPath, [vmrpcBin, 'nc', `unix:${path.join(empty, 'nothing.sock')}`], {
        env: { ...process.env, '@VMRPC/NATIVE_PREBUILD': empty },
        input: '',
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status).to.equal(1);
      const lines = result.stderr.split('\n');
      expect(lines[0]).to.match(/^vmrpc nc: The @vmrpc\/native addon could not be loaded: No native build was found for platform=/);
      expect(result.stderr).to.include('pnpm approve-builds');
      expect(result.stderr).to.include('"pnpm.onlyBuiltDependencies"');
      expect(result.stderr).to.include('npm rebuild @vmrpc/native');
      expect(result.stderr).to.include('python3 make g++');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

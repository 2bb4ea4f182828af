// The `vmrpc` bin keeps compiled code on disk between runs (module.enableCompileCache, Node 22.1
// and later), in the directory Node picks from os.tmpdir(), and leaves it off when the user says so.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { nodeHasCompileCache, runCountingCompileCache } from '../support/compile-cache.js';
import { repoRoot } from './run-cli.js';

// The committed bin shim, as npm and pnpm link it (not dist/bin/vmrpc.js, which the other tests run).
const shim = path.join(repoRoot, 'packages/cli/bin/vmrpc.js');

describe('vmrpc: compiled code cached between runs', function () {
  let dir: string;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-compile-cache-'));
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('caches in os.tmpdir()/node-compile-cache where Node can (22.1 and later), and runs the same from the cache', function () {
    const first = runCountingCompileCache(dir, shim, ['--version'], false);
    expect(first.stdout).to.match(/^vmrpc \d+\.\d+\.\d+\n$/);
    if (!nodeHasCompileCache) {
      expect(first.cacheEntries, `Node ${process.version} has no compile cache: nothing is written`).to.equal(0);
      return;
    }
    expect(first.cacheEntries, 'cache entries after the first run').to.be.greaterThan(0);
    const second = runCountingCompileCache(dir, shim, ['--version'], false);
    expect(second.stdout).to.equal(first.stdout);
    expect(second.cacheEntries).to.be.at.least(first.cacheEntries);
  });

  it('writes nothing with NODE_DISABLE_COMPILE_CACHE=1', function () {
    const run = runCountingCompileCache(dir, shim, ['--version'], true);
    expect(run.stdout).to.match(/^vmrpc \d+\.\d+\.\d+\n$/);
    expect(run.cacheEntries).to.equal(0);
  });
});

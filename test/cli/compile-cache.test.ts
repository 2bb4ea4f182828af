// The `vmrpc` bin keeps compiled code on disk between runs (module.enableCompileCache, Node 22.1
// and later), in the directory Node picks from os.tmpdir(), and leaves it off when the user says so.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { repoRoot } from './run-cli.js';

// The committed bin shim, as npm and pnpm link it (not dist/bin/vmrpc.js, which the other tests run).
const shim = path.join(repoRoot, 'packages/cli/bin/vmrpc.js');
const nodeHasCompileCache = typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** Runs `vmrpc --version` with `tmp` as its temporary directory; returns the files cached there. */
function versionRun(tmp: string, extraEnv: NodeJS.ProcessEnv = {}): string[] {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, ...extraEnv };
  delete env.NODE_COMPILE_CACHE;
  if (!('NODE_DISABLE_COMPILE_CACHE' in extraEnv)) delete env.NODE_DISABLE_COMPILE_CACHE;
  const result = spawnSync(process.execPath, [shim, '--version'], { env, timeout: 30_000, encoding: 'utf8' });
  expect(result.error, 'the run ends within 30 s').to.equal(undefined);
  expect(result.status).to.equal(0);
  expect(result.stdout).to.match(/^vmrpc \d+\.\d+\.\d+\n$/);
  expect(result.stderr).to.equal('');
  const cache = path.join(tmp, 'node-compile-cache');
  return fs.existsSync(cache) ? (fs.readdirSync(cache, { recursive: true }) as string[]) : [];
}

describe('vmrpc: compiled code cached between runs', function () {
  let tmp: string;

  beforeEach(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-compile-cache-'));
  });

  afterEach(function () {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('caches in os.tmpdir()/node-compile-cache where Node can (22.1 and later), and runs the same from the cache', function () {
    const first = versionRun(tmp);
    if (!nodeHasCompileCache) {
      expect(first, `Node ${process.version} has no compile cache: nothing is written`).to.deep.equal([]);
      return;
    }
    expect(first.length, 'cache entries after the first run').to.be.greaterThan(0);
    expect(versionRun(tmp).length).to.be.at.least(first.length);
  });

  it('writes nothing with NODE_DISABLE_COMPILE_CACHE=1', function () {
    expect(versionRun(tmp, { NODE_DISABLE_COMPILE_CACHE: '1' })).to.deep.equal([]);
  });
});

/** Runs a Node script with a temporary directory of its own and counts what Node's compile cache wrote there. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { expect } from 'chai';

/** Whether this Node has module.enableCompileCache (22.1 and later). */
export const nodeHasCompileCache = typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/**
 * Runs `node script args` with TMPDIR `tmp` and NODE_COMPILE_CACHE
 * unset (NODE_DISABLE_COMPILE_CACHE only as `disable` says); it must exit 0 within 30 s.
 * Returns its stdout and the number of entries under TMPDIR/node-compile-cache.
 */
export function runCountingCompileCache(tmp: string, script: string, args: string[], disable: boolean): { stdout: string; cacheEntries: number } {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  if (disable) env.NODE_DISABLE_COMPILE_CACHE = '1';
  const result = spawnSync(process.execPath, [script, ...args], { env, timeout: 30_000, encoding: 'utf8' });
  expect(result.error, 'the run ends within 30 s').to.equal(undefined);
  expect(result.status, result.stderr).to.equal(0);
  expect(result.stderr).to.equal('');
  const cache = path.join(tmp, 'node-compile-cache');
  return { stdout: result.stdout, cacheEntries: existsSync(cache) ? readdirSync(cache, { recursive: true }).length : 0 };
}

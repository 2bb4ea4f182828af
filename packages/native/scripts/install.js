#!/usr/bin/env node
// Install step of @vmrpc/native: use a matching prebuild when one ships in prebuilds/,
// otherwise compile from source with node-gyp.
//
// Why not plain `node-gyp-build` as the install script: when Node's headers are already on the
// machine (distribution packages put them under <prefix>/include/node) we point node-gyp at them
// with --nodedir, so a build needs no download of headers (offline and firewalled machines).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
// `npm install --build-from-source` (npm passes it as npm_config_build_from_source), as with
// other prebuilt addons: compile even where a prebuild matches.
const force = process.argv.includes('--force') || ['true', '1', '@vmrpc/native'].includes(process.env.npm_config_build_from_source ?? '');

function hasUsablePrebuildOrBuild() {
  try {
    require('node-gyp-build').path(packageDir);
    return true;
  } catch {
    return false;
  }
}

function localNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const header = path.join(prefix, 'include', 'node', 'node_api.h');
  return fs.existsSync(header) ? prefix : undefined;
}

function nodeGypCommand() {
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js', { paths: [packageDir] })];
  } catch {
    // Package managers put their bundled node-gyp on PATH for install scripts.
    return ['node-gyp'];
  }
}

if (!force && hasUsablePrebuildOrBuild()) process.exit(0);

const [command, ...prefixArgs] = nodeGypCommand();
const args = [...prefixArgs, 'rebuild'];
const nodedir = localNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);

const result = spawnSync(command, args, { cwd: packageDir, stdio: 'inherit', shell: process.platform === 'win32' });
if (result.error) {
  console.error(`@vmrpc/native: could not run node-gyp (${result.error.message}).`);
  console.error('Install python3, make and a C++ compiler (Debian/Ubuntu: apt-get install python3 make g++),');
  console.error('or use a platform with a prebuild (linux-x64, linux-arm64 with glibc; win32-x64).');
  process.exit(1);
}
process.exit(result.status ?? 1);

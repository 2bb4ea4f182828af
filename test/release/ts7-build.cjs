#!/usr/bin/env node
// `pnpm check:ts7`: the repository builds with TypeScript 7 (npm typescript@7, the Go-based
// compiler), not only with the TypeScript 5 it is developed with (typedoc still needs 5). Builds
// every project with 7 (--force: from scratch), loads each package's entry point from that
// output, then rebuilds with the workspace's TypeScript so dist/ is as `pnpm build` makes it.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { publishedPackageDirs, repo } = require('./pack.cjs');

const cache = path.join(repo, '.cache/ts7');
const RANGE = '7';

function tsc7() {
  const bin = path.join(cache, 'node_modules/typescript/bin/tsc');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--prefix', cache, `typescript@${RANGE}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return bin;
}

function build(tsc, label) {
  const started = process.hrtime.bigint();
  for (const project of ['.', 'test/vm']) execFileSync(process.execPath, [tsc, '-b', '--force', project], { cwd: repo, stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`check:ts7: ${label} built every project in ${seconds.toFixed(1)} s`);
}

const bin = tsc7();
const version = JSON.parse(fs.readFileSync(path.join(cache, 'node_modules/typescript/package.json'), 'utf8')).version;
try {
  build(bin, `TypeScript ${version}`);
  for (const dir of publishedPackageDirs()) {
    // A fresh process per package: the output must load on its own.
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(dir)})`], { stdio: 'inherit' });
  }
  console.log('check:ts7: each package loads from the TypeScript 7 output');
} finally {
  build(require.resolve('typescript/bin/tsc', { paths: [repo] }), 'the workspace TypeScript');
}

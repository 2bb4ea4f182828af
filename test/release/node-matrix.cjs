#!/usr/bin/env node
// `pnpm test:node-matrix [LINE...]`: the host suites (mocha, .mocharc.json) on each Node line CI
// supports besides the machine's own, with Node binaries from npm (node-bin.cjs). The addon is
// built once: Node-API makes one binary load in every line. Build first (pnpm build).
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { LINES, nodeBin } = require('./node-bin.cjs');

const repo = path.resolve(__dirname, '../..');
const lines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : LINES;
const failed = [];
for (const line of lines) {
  const node = nodeBin(line);
  console.log(`\n=== host suites on Node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
  // The PATH puts this node first, so child processes the tests start with `node` match it too.
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` };
  const run = spawnSync(node, [path.join(repo, 'node_modules/mocha/bin/mocha.js')], { cwd: repo, stdio: 'inherit', env });
  if (run.status !== 0) failed.push(line);
}
if (failed.length > 0) {
  console.error(`test:node-matrix: the host suites failed on Node ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`test:node-matrix: the host suites passed on Node ${lines.join(', ')}`);

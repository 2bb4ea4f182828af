#!/usr/bin/env node
// `pnpm release:check`: packs every package as it would be published and fails on what a user
// would meet: a manifest that still says `workspace:`, missing README/LICENSE/description/
// repository/keywords, entry points not in the tarball, build info files, source maps whose
// sources are not shipped, missing prebuilds, or a tarball over its size budget.
//
//   node test/release/check.cjs                  check (needs pnpm build and pnpm build:prebuilds)
//   node test/release/check.cjs --update-budget  write size-budget.json: today's sizes + 10%
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { packAll } = require('./pack.cjs');

const BUDGET_FILE = path.join(__dirname, 'size-budget.json');
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
// What @vmrpc/native (any package with a binding.gyp) must carry: node-gyp-build's names.
const PREBUILDS = ['prebuilds/linux-x64/node.napi.glibc.node', 'prebuilds/linux-arm64/node.napi.glibc.node', 'prebuilds/win32-x64/node.napi.node'];

function checkManifest(pkg, problems) {
  const m = pkg.manifest;
  for (const field of ['name', 'version', 'description', 'license', 'repository', 'keywords', 'engines', 'files']) {
    if (m[field] === undefined || (Array.isArray(m[field]) && m[field].length === 0)) problems.push(`package.json has no "${field}"`);
  }
  const expectedDirectory = path.relative(path.resolve(pkg.dir, '../..'), pkg.dir).split(path.sep).join('/');
  if (m.repository !== undefined && m.repository.directory !== expectedDirectory) {
    problems.push(`repository.directory is ${JSON.stringify(m.repository.directory)}, expected "${expectedDirectory}"`);
  }
  if (m.engines !== undefined && typeof m.engines.node !== 'string') problems.push('engines.node is missing');
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(m[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${name} is still "${range}" (pack with pnpm, not npm)`);
    }
  }
}

/** The files the manifest points at (main, types, bin, exports without wildcards). */
function entryPoints(m) {
  const targets = [m.main, m.types, ...(typeof m.bin === 'string' ? [m.bin] : Object.values(m.bin ?? {}))];
  const walk = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(m.exports);
  return targets.filter((target) => typeof target === 'string' && !target.includes('*')).map((target) => path.posix.normalize(target));
}

function checkFiles(pkg, problems) {
  const { files } = pkg;
  for (const required of ['package.json', 'README.md', 'LICENSE']) if (!files.has(required)) problems.push(`${required} is not in the tarball`);
  for (const target of entryPoints(pkg.manifest)) if (!files.has(target)) problems.push(`${target} (an entry point of package.json) is not in the tarball`);
  for (const file of files.keys()) {
    if (file.endsWith('.tsbuildinfo')) problems.push(`${file}: build info does not belong in the package`);
    if (file.startsWith('build/')) problems.push(`${file}: a local build/ would shadow the prebuilds for every user`);
  }
  for (const file of [...files.keys()].filter((name) => name.endsWith('.map'))) {
    const map = JSON.parse(fs.readFileSync(path.join(pkg.unpacked, file), 'utf8'));
    for (const source of map.sources ?? []) {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), map.sourceRoot ?? '', source));
      if (!files.has(resolved)) problems.push(`${file} points at ${resolved}, which is not shipped`);
    }
  }
  if (pkg.manifest.gypfile === true || files.has('binding.gyp')) {
    for (const prebuild of PREBUILDS) if (!files.has(prebuild)) problems.push(`${prebuild} is missing: run pnpm build:prebuilds first`);
  }
}

function checkReadme(pkg, problems) {
  if (!pkg.files.has('README.md')) return;
  const readme = fs.readFileSync(path.join(pkg.unpacked, 'README.md'), 'utf8');
  if (!/^## Install/m.test(readme)) problems.push('README.md has no "## Install" section');
  if (!new RegExp(`npm install (-g )?${pkg.name.replace(/[/.]/g, '\\$&')}\\b`).test(readme)) problems.push(`README.md does not show \`npm install ${pkg.name}\``);
  if (!/```(ts|js|sh)\n/.test(readme)) problems.push('README.md has no example');
}

function sizes(pkg) {
  return { tarball: pkg.tarballBytes, unpacked: [...pkg.files.values()].reduce((sum, size) => sum + size, 0), files: pkg.files.size };
}

function checkSize(pkg, budget, problems, warnings) {
  const limit = budget[pkg.name];
  const size = sizes(pkg);
  if (limit === undefined) {
    warnings.push(`${pkg.name} has no size budget: run node test/release/check.cjs --update-budget and commit size-budget.json`);
    return;
  }
  for (const key of ['tarball', 'unpacked']) {
    if (size[key] > limit[key]) problems.push(`${key} size ${size[key]} bytes is over its budget of ${limit[key]} (size-budget.json): a regression, or raise the budget on purpose`);
  }
}

function main() {
  const update = process.argv.includes('--update-budget');
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-release-check-'));
  try {
    const packages = packAll(dest);
    const budget = fs.existsSync(BUDGET_FILE) ? JSON.parse(fs.readFileSync(BUDGET_FILE, 'utf8')) : {};
    let failures = 0;
    const warnings = [];
    console.log('package              tarball   unpacked  files');
    for (const pkg of packages) {
      const size = sizes(pkg);
      console.log(`${pkg.name.padEnd(20)} ${String(size.tarball).padStart(8)} ${String(size.unpacked).padStart(10)} ${String(size.files).padStart(6)}`);
      const problems = [];
      checkManifest(pkg, problems);
      checkFiles(pkg, problems);
      checkReadme(pkg, problems);
      if (update) {
        // Budgets leave 10% for growth, rounded up to KiB.
        budget[pkg.name] = { tarball: Math.ceil((size.tarball * 1.1) / 1024) * 1024, unpacked: Math.ceil((size.unpacked * 1.1) / 1024) * 1024 };
      } else {
        checkSize(pkg, budget, problems, warnings);
      }
      for (const problem of problems) console.error(`  ${pkg.name}: ${problem}`);
      failures += problems.length;
    }
    for (const warning of warnings) console.warn(`  warning: ${warning}`);
    if (update) fs.writeFileSync(BUDGET_FILE, `${JSON.stringify(budget, null, 2)}\n`);
    if (failures > 0) {
      console.error(`release:check: ${failures} problem(s) in ${packages.length} packages`);
      process.exit(1);
    }
    console.log(`release:check: ${packages.length} packages ready to publish`);
  } finally {
    fs.rmSync(dest, { recursive: true, force: true });
  }
}

module.exports = { checkManifest, checkFiles, checkReadme, checkSize };

if (require.main === module) main();

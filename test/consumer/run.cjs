#!/usr/bin/env node
// `pnpm test:consumer`: the packages as a user gets them. Packs every package (pnpm pack), then
// for each scenario installs them into a fresh project outside the workspace and checks:
//
//   npm     npm install, with no compiler on PATH (the prebuild must be chosen by the install script)
//   pnpm    pnpm 10 install, no build scripts approved, no compiler on PATH (found at require time)
//   source  npm install --build-from-source with a compiler: the fallback builds from the tarball
//
// In each: require() and import of every package, vmrpc-gen from node_modules/.bin, a strict
// TypeScript program using every package type-checked against the published .d.ts by
// TypeScript 5 and 7, and that program run end to end (host, guest agent, a typed server, the
// `vmrpc` CLI) over Unix sockets and over hybrid vsock (Firecracker muxer STAND-IN).
//
//   node test/consumer/run.cjs [npm|pnpm|source]... [--keep]     after pnpm build and pnpm build:prebuilds
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { packAll, repo } = require('../release/pack.cjs');
const { e2e } = require('./e2e-run.cjs');

const FIXTURE = path.join(__dirname, 'fixture');
const SCENARIOS = {
  npm: { manager: 'npm', compiler: false },
  pnpm: { manager: 'pnpm', compiler: false },
  source: { manager: 'npm', compiler: true, args: ['--build-from-source'] },
};
// sh: package managers run scripts through it; every machine has it, compilers or not.
const TOOLS = ['sh', 'node', 'npm', 'npx', 'pnpm'];
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'make', 'python3'];

function fail(message) {
  throw new Error(message);
}

/** Runs a command to completion (bounded); fails with its output unless it exits 0. */
function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20, ...options });
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited ${result.status ?? result.signal ?? result.error}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

function which(tool) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, tool);
    if (dir !== '' && fs.existsSync(file)) return file;
  }
  return undefined;
}

/** A directory holding only node and the package managers: PATH for an install with no compiler. */
function compilerlessPath(root) {
  const dir = path.join(root, 'tools');
  fs.mkdirSync(dir);
  for (const tool of TOOLS) {
    const file = which(tool);
    if (file !== undefined) fs.symlinkSync(file, path.join(dir, tool));
  }
  for (const tool of COMPILERS) {
    const probe = spawnSync(tool, ['--version'], { env: { PATH: dir } });
    if (probe.error === undefined) fail(`${tool} is reachable on the compiler-less PATH`);
  }
  return dir;
}

function manifest(packages) {
  const local = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${pkg.tarball}`]));
  const grpcRange = packages.map((pkg) => pkg.manifest.peerDependencies?.['@grpc/grpc-js']).find(Boolean) ?? '^1.14.0';
  return {
    name: 'vmrpc-consumer',
    version: '1.0.0',
    private: true,
    dependencies: { ...local, '@grpc/grpc-js': grpcRange },
    devDependencies: { typescript: '^5.9.3', typescript7: 'npm:typescript@^7', '@types/node': '^22' },
    // The packages depend on each other by version: resolve those to the tarballs too.
    overrides: local,
    pnpm: { overrides: local },
  };
}

function install(scenario, project, root) {
  const env = { ...process.env };
  if (!scenario.compiler) env.PATH = compilerlessPath(root);
  const args =
    scenario.manager === 'pnpm'
      ? ['install', '--no-frozen-lockfile', '--reporter=append-only']
      : ['install', '--no-audit', '--no-fund', ...(scenario.args ?? [])];
  const started = process.hrtime.bigint();
  const output = run(scenario.manager, args, { cwd: project, env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const native = path.join(project, 'node_modules/@vmrpc/native');
  const built = fs.existsSync(path.join(native, 'build/Release/vmrpc_native.node'));
  if (scenario.compiler && !built) fail('--build-from-source did not build the addon');
  if (!scenario.compiler && fs.existsSync(path.join(native, 'build'))) fail('the install built from source although a prebuild matches');
  if (scenario.manager === 'pnpm' && !/Ignored build scripts:.*@vmrpc\/native/s.test(output)) {
    fail(`pnpm ran (or did not mention) @vmrpc/native's build script:\n${output}`);
  }
  return seconds;
}

function checkProject(project, sockets) {
  const bin = (name) => path.join(project, 'node_modules/.bin', name);
  run(process.execPath, ['check-cjs.cjs', sockets], { cwd: project });
  run(process.execPath, ['check-esm.mjs'], { cwd: project });
  const generated = run(bin('vmrpc-gen'), ['-I', 'proto', '-o', 'src/generated', 'proto'], { cwd: project });
  if (!generated.includes('wrote src/generated/consumer/v1/greeter.ts')) fail(`vmrpc-gen said:\n${generated}`);
  const versions = [];
  for (const [pkg, extra] of [['typescript', []], ['typescript7', ['--noEmit']]]) {
    const tsc = path.join(project, 'node_modules', pkg, 'bin/tsc');
    run(process.execPath, [tsc, '-p', '.', ...extra], { cwd: project });
    versions.push(JSON.parse(fs.readFileSync(path.join(project, 'node_modules', pkg, 'package.json'), 'utf8')).version);
  }
  return versions;
}

const results = [];

async function main() {
  const keep = process.argv.includes('--keep');
  const names = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  for (const name of names) if (!(name in SCENARIOS)) fail(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-consumer-'));
  try {
    const packages = packAll(path.join(root, 'packs'));
    for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
      const scenario = SCENARIOS[name];
      const scenarioRoot = fs.mkdtempSync(path.join(root, `${name}-`));
      const project = path.join(scenarioRoot, 'project');
      fs.cpSync(FIXTURE, project, { recursive: true });
      fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify(manifest(packages), null, 2)}\n`);
      console.log(`consumer [${name}]: installing ${packages.length} packages with ${scenario.manager} in ${project}`);
      const seconds = install(scenario, project, scenarioRoot);
      // Socket paths must stay short (108 bytes).
      const sockets = fs.mkdtempSync('/tmp/vc-');
      try {
        const typescript = checkProject(project, sockets);
        for (const mode of ['unix', 'hybrid']) await e2e(project, mode, sockets);
        results.push({ name, seconds, typescript });
        console.log(`consumer [${name}]: ok (install ${seconds.toFixed(1)} s; type-checked with TypeScript ${typescript.join(' and ')}; e2e over unix and hybrid vsock)`);
      } finally {
        fs.rmSync(sockets, { recursive: true, force: true });
      }
    }
  } finally {
    if (keep) console.log(`consumer: kept ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(`consumer: ${results.length} passed, 0 failed`);
}

main().catch((error) => {
  console.error(`consumer: ${error.message}`);
  console.log(`consumer: ${results.length} passed, 1 failed`);
  process.exit(1);
});

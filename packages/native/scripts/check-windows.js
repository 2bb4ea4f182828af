#!/usr/bin/env node
// `pnpm check:windows`: compiles and links the Windows sources of the addon on Linux with the
// MinGW-w64 cross-compiler, against the Node-API headers of node-api-headers and an import
// library for node.exe made from its .def file. Warnings are errors; linking a DLL makes any
// missing symbol show. Installs nothing: a missing compiler is reported with the apt command.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const outDir = path.join(packageDir, 'build', 'win-check');
const TRIPLE = 'x86_64-w64-mingw32';
// The posix thread model: node-addon-api uses std::mutex, which the win32 model lacks.
const COMPILERS = [`${TRIPLE}-g++-posix`, `${TRIPLE}-g++`];

function fail(message) {
  console.error(`check:windows: ${message}`);
  process.exit(1);
}

function hasPosixThreads(compiler) {
  const result = spawnSync(compiler, ['-v'], { encoding: 'utf8' });
  return !result.error && /Thread model: posix/.test(`${result.stdout}${result.stderr}`);
}

function findTool(name) {
  const result = spawnSync(name, ['--version'], { encoding: 'utf8' });
  return !result.error;
}

const compiler = COMPILERS.find(hasPosixThreads);
if (compiler === undefined || !findTool(`${TRIPLE}-dlltool`)) {
  fail(
    'the MinGW-w64 cross-compiler (posix threads) is not installed.\n' +
      '  Debian/Ubuntu, as root: apt-get install gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64',
  );
}

let headers;
let addonApi;
try {
  headers = require(require.resolve('node-api-headers', { paths: [packageDir] }));
  addonApi = require(require.resolve('node-addon-api', { paths: [packageDir] }));
} catch (error) {
  fail(`node-api-headers or node-addon-api is missing (${error.message}); run pnpm install`);
}

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: packageDir, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => resolve({ ok: false, error }));
    child.on('close', (code) => resolve({ ok: code === 0 }));
  });
}

const CXXFLAGS = [
  '-std=c++17',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-O1',
  '-DNAPI_VERSION=8',
  '-DNAPI_DISABLE_CPP_EXCEPTIONS',
  '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  '-D_WIN32_WINNT=0x0A00',
  // MSVC's /W3 (the Windows build) warns on narrowing conversions; make them fail here too.
  '-Wconversion',
  // Third-party headers as system headers: their own warnings are not ours to fix.
  '-isystem',
  headers.include_dir,
  '-isystem',
  // node-addon-api reports its directory relative to the current directory.
  path.resolve(addonApi.include_dir),
];

async function main() {
  const started = Date.now();
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  const importLib = path.join(outDir, 'node.lib');
  const dll = await run(`${TRIPLE}-dlltool`, ['-d', headers.def_paths.node_api_def, '-D', 'node.exe', '-l', importLib]);
  if (!dll.ok) fail('dlltool could not make the node.exe import library');

  const sources = [
    'native/addon.cc',
    ...fs
      .readdirSync(path.join(packageDir, 'native', 'win'))
      .filter((name) => name.endsWith('.cc'))
      .sort()
      .map((name) => `native/win/${name}`),
  ];
  // Compile in parallel, one job per core.
  const objects = sources.map((source) => path.join(outDir, `${path.basename(source, '.cc')}.o`));
  const queue = sources.map((source, i) => [source, objects[i]]);
  let failed = false;
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [source, object] = next;
      const result = await run(compiler, [...CXXFLAGS, '-c', source, '-o', object]);
      if (!result.ok) {
        failed = true;
        console.error(`check:windows: ${source} does not compile cleanly`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(os.availableParallelism(), sources.length)) }, worker));
  if (failed) process.exit(1);

  const output = path.join(outDir, 'vmrpc_native.node');
  const link = await run(compiler, [
    '-shared',
    '-static',
    '-Wl,--no-undefined',
    '-o',
    output,
    ...objects,
    importLib,
    '-lws2_32',
    '-ladvapi32',
  ]);
  if (!link.ok) fail('linking vmrpc_native.node failed (a missing symbol is named above)');

  const dump = spawnSync(`${TRIPLE}-objdump`, ['-p', output], { encoding: 'utf8' });
  if (dump.error || !/\bnapi_register_module_v1\b/.test(dump.stdout)) {
    fail('the DLL does not export napi_register_module_v1: Node could not load it');
  }
  const imports = [...dump.stdout.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1].toLowerCase());
  const expected = new Set(['node.exe', 'kernel32.dll', 'ws2_32.dll', 'advapi32.dll', 'msvcrt.dll']);
  const unexpected = imports.filter((name) => !expected.has(name) && !name.startsWith('api-ms-win-'));
  if (unexpected.length > 0) fail(`the DLL needs DLLs a Windows machine may lack: ${unexpected.join(', ')}`);

  console.log(
    `check:windows: ${sources.length} sources compiled with -Wall -Wextra -Wconversion -Werror and linked into ` +
      `${path.relative(process.cwd(), output)} (imports ${imports.join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error) => fail(error.stack ?? String(error)));

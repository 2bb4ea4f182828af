// release:check's rules on hand-made packages: each defect a user would meet is reported, and a
// clean package passes (release:check itself runs on the real tarballs in CI).
import { expect } from 'chai';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

interface PackedPackage {
  dir: string;
  name: string;
  unpacked: string;
  tarballBytes: number;
  manifest: Record<string, unknown>;
  files: Map<string, number>;
}
type Rule = (pkg: PackedPackage, problems: string[]) => void;
const check = createRequire(import.meta.url)('../../release/check.cjs') as {
  checkManifest: Rule;
  checkFiles: Rule;
  checkReadme: Rule;
  checkSize: (pkg: PackedPackage, budget: Record<string, { tarball: number; unpacked: number }>, problems: string[], warnings: string[]) => void;
};

const README = '# @acme/x\n\n## Install\n\n```sh\nnpm install @acme/x\n```\n';

/** An unpacked package in a temp directory: `files` maps paths to contents. */
function fakePackage(manifest: Record<string, unknown>, files: Record<string, string>): PackedPackage {
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-check-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(unpacked, file)), { recursive: true });
    fs.writeFileSync(path.join(unpacked, file), content);
  }
  return {
    dir: '/repo/packages/x',
    name: '@acme/x',
    unpacked,
    tarballBytes: 1000,
    manifest,
    files: new Map(Object.entries(files).map(([file, content]) => [file, content.length])),
  };
}

const goodManifest = {
  name: '@acme/x',
  version: '1.0.0',
  description: 'x',
  license: 'MIT',
  repository: { type: 'git', url: 'git+https://example.invalid/x.git', directory: 'packages/x' },
  keywords: ['x'],
  engines: { node: '>=20' },
  files: ['dist', 'src'],
  main: 'dist/index.js',
  types: 'dist/index.d.ts',
  dependencies: { '@acme/y': '^1.0.0' },
};
const goodFiles = {
  'package.json': '{}',
  'README.md': README,
  LICENSE: 'MIT',
  'dist/index.js': '',
  'dist/index.d.ts': '',
  'dist/index.js.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'] }),
  'src/index.ts': '',
};

function problemsOf(pkg: PackedPackage): string[] {
  const problems: string[] = [];
  for (const rule of [check.checkManifest, check.checkFiles, check.checkReadme]) rule(pkg, problems);
  fs.rmSync(pkg.unpacked, { recursive: true, force: true });
  return problems;
}

describe('release:check rules', function () {
  it('passes a clean package', function () {
    expect(problemsOf(fakePackage(goodManifest, goodFiles))).to.deep.equal([]);
  });

  it('reports workspace: ranges, missing metadata and a wrong repository directory', function () {
    const { description: _description, keywords: _keywords, ...rest } = goodManifest;
    const manifest = { ...rest, repository: { ...goodManifest.repository, directory: 'elsewhere' }, dependencies: { '@acme/y': 'workspace:^' } };
    const problems = problemsOf(fakePackage(manifest, goodFiles));
    expect(problems).to.include('dependencies.@acme/y is still "workspace:^" (pack with pnpm, not npm)');
    expect(problems).to.include('package.json has no "description"');
    expect(problems).to.include('package.json has no "keywords"');
    expect(problems.some((problem) => problem.startsWith('repository.directory is "elsewhere"'))).to.equal(true);
  });

  it('reports build info, unshipped map sources, missing entry points, README and LICENSE', function () {
    const { LICENSE: _license, 'src/index.ts': _source, 'dist/index.d.ts': _types, ...files } = goodFiles;
    const problems = problemsOf(fakePackage(goodManifest, { ...files, 'README.md': '# x\n', 'dist/.tsbuildinfo': '{}' }));
    expect(problems).to.include.members([
      'LICENSE is not in the tarball',
      'dist/index.d.ts (an entry point of package.json) is not in the tarball',
      'dist/.tsbuildinfo: build info does not belong in the package',
      'dist/index.js.map points at src/index.ts, which is not shipped',
      'README.md has no "## Install" section',
    ]);
  });

  it('requires the three prebuilds of an addon package', function () {
    const problems = problemsOf(fakePackage({ ...goodManifest, gypfile: true }, { ...goodFiles, 'prebuilds/linux-x64/node.napi.glibc.node': 'x' }));
    expect(problems).to.deep.equal([
      'prebuilds/linux-arm64/node.napi.glibc.node is missing: run pnpm build:prebuilds first',
      'prebuilds/win32-x64/node.napi.node is missing: run pnpm build:prebuilds first',
    ]);
  });

  it('fails a size over budget, and only warns for a package without one', function () {
    const pkg = fakePackage(goodManifest, goodFiles);
    const problems: string[] = [];
    const warnings: string[] = [];
    check.checkSize(pkg, { '@acme/x': { tarball: 999, unpacked: 1 << 20 } }, problems, warnings);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^tarball size 1000 bytes is over its budget of 999/);
    check.checkSize(pkg, {}, problems, warnings);
    expect(problems).to.have.length(1);
    expect(warnings).to.have.length(1);
    fs.rmSync(pkg.unpacked, { recursive: true, force: true });
  });
});

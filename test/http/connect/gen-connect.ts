/**
 * `node test/.build/http/connect/gen-connect.js [--check]`: regenerates the protoc-gen-es code of
 * the Connect-RPC test service and of examples/http with buf (both from the npm packages
 * @bufbuild/buf and @bufbuild/protoc-gen-es). With --check, generates into a temporary directory
 * and exits 1 naming every file that differs from the committed one.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directories holding a buf.gen.yaml, and where (relative to them) its output goes. */
const MODULES = [
  { dir: 'test/http/connect', gen: 'gen' },
  { dir: 'examples/http', gen: 'src/gen' },
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const bin = path.join(root, 'node_modules', '.bin');

function generate(moduleDir: string, outDir: string): void {
  execFileSync(path.join(bin, 'buf'), ['generate', '--template', 'buf.gen.yaml', '-o', outDir], {
    cwd: path.join(root, moduleDir),
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => fs.statSync(path.join(dir, file)).isFile()).sort();
}

function check(): number {
  let stale = 0;
  for (const { dir: moduleDir, gen } of MODULES) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-gen-connect-'));
    try {
      generate(moduleDir, tmp);
      const fresh = path.join(tmp, gen);
      const committed = path.join(root, moduleDir, gen);
      for (const file of new Set([...listFiles(fresh), ...listFiles(committed)])) {
        const a = fs.existsSync(path.join(fresh, file)) ? fs.readFileSync(path.join(fresh, file)) : undefined;
        const b = fs.existsSync(path.join(committed, file)) ? fs.readFileSync(path.join(committed, file)) : undefined;
        if (a === undefined || b === undefined || !a.equals(b)) {
          stale++;
          process.stderr.write(`gen-connect: ${path.join(moduleDir, gen, file)} is out of date; run \`pnpm gen:http\`\n`);
        }
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv.includes('--check')) {
  process.exitCode = check();
} else {
  for (const { dir: moduleDir, gen } of MODULES) {
    fs.rmSync(path.join(root, moduleDir, gen), { recursive: true, force: true });
    generate(moduleDir, '.');
  }
}

// vmrpc-gen output compiles when the names of a file meet: a message named like a runtime export
// it also uses (Empty, Timestamp, Duration) gets the runtime's under an alias, and two methods
// with one key are a generation error, not a module that does not compile.
import { generate } from '@vmrpc/rpc';
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../..');
const PROTOS = path.join(REPO, 'test/rpc/protos');
// The built runtime's declarations, so the generated module type-checks against the real package.
const RUNTIME = path.join(REPO, 'packages/rpc/dist/index.js');

/** tsc's errors for one generated module, as `TS<code>: <message>` lines. */
function typeErrors(content: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrpc-gen-names-'));
  try {
    const file = path.join(dir, 'generated.ts');
    fs.writeFileSync(file, content);
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 });
    return ts.getPreEmitDiagnostics(program).map((diagnostic) => `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('vmrpc-gen: names that meet in one file', function () {
  it('imports a runtime type under an alias when the file defines a message of its name, and the module compiles', function () {
    // A real type check of the module against the built package's declarations.
    this.timeout(60_000);
    const [file] = generate({ inputs: [path.join(PROTOS, 'codegen/v1/runtime-names.proto')], includeDirs: [PROTOS], runtimeModule: RUNTIME });
    const content = file!.content;
    expect(content).to.include('type Duration as $Duration');
    expect(content).to.include('type Empty as $Empty');
    expect(content).to.include('type Timestamp as $Timestamp');
    // Each field keeps its own type: the well-known one and the file's own.
    expect(content).to.match(/\n {2}at\?: \$Timestamp;\n {2}local\?: Timestamp;\n {2}took\?: \$Duration;\n {2}localTook\?: Duration;\n/);
    expect(content).to.include("ping: file.unary<$Empty, Empty>('codegen.v1.Clock', 'Ping'");
    expect(typeErrors(content)).to.deep.equal([]);
  });

  it('refuses two methods that generate one key (GetFoo and getFoo), naming both', function () {
    expect(() => generate({ inputs: [path.join(PROTOS, 'codegen/v1/method-keys.proto')], includeDirs: [PROTOS] })).to.throw(
      Error,
      'codegen.v1.Foos: the methods GetFoo and getFoo both generate the key getFoo; rename one of them',
    );
  });

  it('the committed code generated from test/rpc/protos/vmrpc (edge, legacy) is current', function () {
    const files = generate({ inputs: [path.join(PROTOS, 'vmrpc/edge'), path.join(PROTOS, 'vmrpc/legacy')], includeDirs: [path.join(REPO, 'protos'), PROTOS] });
    expect(files.map((file) => file.path)).to.deep.equal(['vmrpc/edge/v1/keywords.ts', 'vmrpc/legacy/v1/legacy.ts']);
    for (const file of files) expect(fs.readFileSync(path.join(REPO, 'test/rpc/generated', file.path), 'utf8'), file.path).to.equal(file.content);
  });
});

// No import cycles between the modules of packages/*/src (type-only imports count: a cycle of
// types is still two modules that cannot be read, changed or tested one without the other).
// Relative imports are resolved the way tsc resolves them (x.ts, x/index.ts).
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Cycles another part of the project owns and is removing (issue 15); each entry is one cycle's
 * modules, sorted. Delete an entry once its cycle is gone: the test then keeps it gone.
 */
const KNOWN_CYCLES: string[][] = [];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

/** Relative module specifiers of a file: imports, re-exports and `import('...')` types. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0]!) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      found.push((node.arguments[0] as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

/** Strongly connected components with more than one module (Tarjan), as sorted repo paths. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(path.relative(repo, member));
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return found;
}

describe('module structure', function () {
  it('has no import cycles in packages/*/src', function () {
    const graph = new Map<string, string[]>();
    for (const pkg of fs.readdirSync(path.join(repo, 'packages'))) {
      const src = path.join(repo, 'packages', pkg, 'src');
      if (!fs.existsSync(src)) continue;
      for (const file of sourceFiles(src)) {
        graph.set(file, specifiersOf(file).flatMap((specifier) => resolveRelative(file, specifier) ?? []));
      }
    }
    expect(graph.size, 'modules found').to.be.above(50);
    const known = new Set(KNOWN_CYCLES.map((cycle) => cycle.join(' <-> ')));
    const unexpected = cycles(graph).map((cycle) => cycle.join(' <-> ')).filter((cycle) => !known.has(cycle));
    expect(unexpected, 'import cycles').to.deep.equal([]);
  });
});

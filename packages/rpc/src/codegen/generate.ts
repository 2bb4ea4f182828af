/**
 * vmrpc-gen as a library: .proto files in, TypeScript modules out (one per .proto file, at the
 * same relative path), plus a check that files on disk match what would be generated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Enum, Namespace, Type, type ReflectionObject, type Root } from 'protobufjs';
import { emitFile, type FileUnit } from './emit-file';
import { expandInputs, isBundled, loadProtos } from './load';
import { isPackage, packageOf, topLevelOf } from './naming';

/** Options of generate(): the .proto inputs, include paths and the runtime module generated code imports. */
export interface GenerateOptions {
  /** .proto files, or directories to search for them. */
  inputs: readonly string[];
  /** Include paths (protoc's -I); inputs must lie under one. Default: the current directory. */
  includeDirs?: readonly string[];
  /** The module generated code imports the runtime from. Default `@vmrpc/rpc`. */
  runtimeModule?: string;
}

/** One generated module: its path relative to the output directory, and its text. */
export interface GeneratedFile {
  /** Output path relative to the output directory (`vmrpc/echo/v1/echo.ts`). */
  path: string;
  content: string;
}

function definitionsByFile(root: Root, names: Map<string, string>): Map<string, ReflectionObject[]> {
  const byFile = new Map<string, ReflectionObject[]>();
  const walk = (namespace: Namespace): void => {
    for (const object of namespace.nestedArray) {
      if (isPackage(object)) {
        walk(object as Namespace);
        continue;
      }
      const filename = object.filename;
      if (filename === null || isBundled(filename)) continue;
      const name = names.get(filename) ?? filename;
      if (!byFile.has(name)) byFile.set(name, []);
      byFile.get(name)!.push(object);
    }
  };
  walk(root);
  return byFile;
}

const moduleName = (protoFile: string): string => protoFile.replace(/\.proto$/, '');

/** TypeScript modules for .proto files (one per file, imports included), without writing anything. */
export function generate(options: GenerateOptions): GeneratedFile[] {
  const files = expandInputs(options.inputs);
  if (files.length === 0) throw new Error('no .proto files to generate from');
  const { root, names } = loadProtos(files, options.includeDirs ?? []);
  const byFile = definitionsByFile(root, names);
  const moduleOf = (object: Type | Enum): string => {
    const filename = topLevelOf(object).filename;
    // Well-known types come from the runtime, never from a generated module.
    if (filename === null || isBundled(filename)) return `(bundled)/${object.fullName}`;
    return moduleName(names.get(filename) ?? filename);
  };
  // Files named as inputs come out even when empty; imports come out when they define something.
  const protoFiles = new Set<string>([...byFile.keys()]);
  for (const file of files) {
    const name = [...names.entries()].find(([absolute]) => absolute === file)?.[1];
    if (name !== undefined) protoFiles.add(name);
  }
  return [...protoFiles].sort().map((protoFile): GeneratedFile => {
    const definitions = byFile.get(protoFile) ?? [];
    const unit: FileUnit = {
      protoName: protoFile,
      moduleName: moduleName(protoFile),
      packageName: definitions.length > 0 ? packageOf(definitions[0]!) : '',
      definitions,
    };
    return { path: `${unit.moduleName}.ts`, content: emitFile(unit, { runtimeModule: options.runtimeModule ?? '@vmrpc/rpc', moduleOf }) };
  });
}

/** Writes generated modules under `outDir`, creating directories as needed. */
export function writeGenerated(files: readonly GeneratedFile[], outDir: string): void {
  for (const file of files) {
    const target = path.join(outDir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== file.content) fs.writeFileSync(target, file.content);
  }
}

/** Paths (relative to outDir) whose content on disk differs from `files`, or that are missing. */
export function staleGenerated(files: readonly GeneratedFile[], outDir: string): string[] {
  return files
    .filter((file) => {
      const target = path.join(outDir, file.path);
      return !fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== file.content;
    })
    .map((file) => file.path);
}

/**
 * Loading .proto files with protobufjs: inputs and imports are found on include paths (like
 * protoc's -I), the well-known google/protobuf imports come bundled with protobufjs, and each
 * loaded file keeps the name it has relative to its include path, which the output mirrors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Root, common } from 'protobufjs';

export interface LoadedProtos {
  root: Root;
  /** Every file loaded (inputs and their imports), by absolute path, to its include-relative name. */
  names: Map<string, string>;
  /** The inputs' include-relative names, sorted. */
  inputs: string[];
}

export function isBundled(name: string): boolean {
  return name.startsWith('google/protobuf/') && common.get(name) !== null;
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** `.proto` files named directly, or found under a named directory; sorted for determinism. */
export function expandInputs(inputs: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.proto')) files.push(full);
    }
  };
  for (const input of inputs) {
    const full = path.resolve(input);
    if (fs.statSync(full).isDirectory()) walk(full);
    else files.push(full);
  }
  return [...new Set(files)].sort();
}

/** The include-relative name of an input file (the first include path containing it wins). */
export function relativeName(file: string, includeDirs: readonly string[]): string {
  for (const dir of includeDirs) {
    const relative = path.relative(path.resolve(dir), file);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) return toPosix(relative);
  }
  throw new Error(`${file} is not under any include path (${includeDirs.join(', ')}); add one with -I`);
}

export function loadProtos(inputFiles: readonly string[], includeDirs: readonly string[]): LoadedProtos {
  const dirs = includeDirs.length > 0 ? includeDirs.map((dir) => path.resolve(dir)) : [process.cwd()];
  const names = new Map<string, string>();
  const root = new Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (isBundled(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) {
        names.set(candidate, toPosix(target));
        return candidate;
      }
    }
    throw new Error(`cannot find ${target} on the include paths (${dirs.join(', ')})`);
  };
  const inputs = inputFiles.map((file) => relativeName(path.resolve(file), dirs)).sort();
  root.loadSync(inputs, { keepCase: false, alternateCommentMode: true });
  root.resolveAll();
  return { root, names, inputs };
}

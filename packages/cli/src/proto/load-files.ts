/**
 * `--proto FILE` and `-I DIR`, as protoc and grpcurl take them: files and their imports are
 * looked up on the import paths (then next to the importing file, then from the current
 * directory); google/protobuf/*.proto come bundled with protobufjs. Field names keep their
 * .proto spelling, as descriptors from reflection do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Root, common } from 'protobufjs';
import { CliError } from '../errors';

function isBundled(name: string): boolean {
  return name.startsWith('google/protobuf/') && common.get(name) !== null;
}

/** Loads `files` (and their imports) into one resolved protobufjs Root. */
export function loadProtoFiles(files: readonly string[], importPaths: readonly string[]): Root {
  const dirs = importPaths.map((dir) => path.resolve(dir));
  const find = (name: string, near: readonly string[]): string | undefined => {
    if (path.isAbsolute(name)) return fs.existsSync(name) ? name : undefined;
    for (const dir of near) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    return undefined;
  };
  const root = new Root();
  root.resolvePath = (origin: string, target: string): string => {
    // Absolute paths are what this function returned before: protobufjs asks again per import.
    const found = find(target, [...dirs, ...(origin === '' ? [] : [path.dirname(origin)])]);
    if (found !== undefined) return found;
    if (isBundled(target)) return target;
    throw new CliError(`cannot find ${target} (imported by ${origin === '' ? 'the command line' : origin}); add its directory with -I`);
  };
  const inputs = files.map((file) => {
    const found = find(file, [...dirs, process.cwd()]);
    if (found === undefined) throw new CliError(`cannot find ${file} on the import paths (${[...dirs, process.cwd()].join(', ')})`);
    return found;
  });
  try {
    root.loadSync(inputs, { keepCase: true });
    root.resolveAll();
    return root;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot load the .proto files: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
}

#!/usr/bin/env node
/**
 * vmrpc-gen: TypeScript from .proto files.
 *
 *   vmrpc-gen -I protos -o src/generated protos/          generate
 *   vmrpc-gen -I protos -o src/generated --check protos/  exit 1 if the files on disk are stale
 *   vmrpc-gen -I protos --lint protos/                    exit 1 on lint findings
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { generate, staleGenerated, writeGenerated } from '../codegen/generate';
import { lintProtos } from '../lint/lint';

const USAGE = `usage: vmrpc-gen [-I DIR]... (-o DIR [--check] | --lint) [--runtime MODULE] PROTO_FILE_OR_DIR...

  -I, --proto-path DIR  an include path (like protoc -I); repeatable. Default: the current directory
  -o, --out DIR         where to write one .ts module per .proto file, at the same relative path
      --check           write nothing; exit 1 listing generated files that are missing or stale
      --lint            lint the .proto files (packages, field numbers, enum zero values, names)
      --runtime MODULE  the module generated code imports the runtime from (default @vmrpc/rpc)
`;

export function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'proto-path': { type: 'string', short: 'I', multiple: true },
        out: { type: 'string', short: 'o' },
        check: { type: 'boolean' },
        lint: { type: 'boolean' },
        runtime: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`vmrpc-gen: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0 || (!values.lint && values.out === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const includeDirs = values['proto-path'] ?? [];
  try {
    if (values.lint) {
      const findings = lintProtos(positionals, includeDirs);
      for (const finding of findings) process.stderr.write(`${finding.file}: ${finding.message}\n`);
      return findings.length === 0 ? 0 : 1;
    }
    const out = values.out!;
    const files = generate({ inputs: positionals, includeDirs, ...(values.runtime === undefined ? {} : { runtimeModule: values.runtime }) });
    if (values.check) {
      const stale = staleGenerated(files, out);
      for (const file of stale) process.stderr.write(`${out}/${file} is stale or missing; run vmrpc-gen again\n`);
      return stale.length === 0 ? 0 : 1;
    }
    // Say what changed, as a build step should: a silent success cannot be told from a no-op.
    const changed = new Set(staleGenerated(files, out));
    writeGenerated(files, out);
    for (const file of files) if (changed.has(file.path)) process.stdout.write(`wrote ${path.join(out, file.path)}\n`);
    const unchanged = files.length - changed.size;
    process.stdout.write(
      `vmrpc-gen: ${changed.size} file${changed.size === 1 ? '' : 's'} written to ${out}` +
        (unchanged > 0 ? `, ${unchanged} already up to date\n` : '\n'),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`vmrpc-gen: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

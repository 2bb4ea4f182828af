// Loaded with `node --import`: makes every `@grpc/grpc-js` of this process, required (the
// packages are CommonJS) or imported (the tests are ESM), the copy installed in
// VMRPC_GRPC_JS_DIR, and fails at once unless that copy is the one in use.
import { createRequire, register } from 'node:module';
import * as path from 'node:path';

const dir = process.env.VMRPC_GRPC_JS_DIR;
const expected = process.env.VMRPC_GRPC_JS_VERSION;
if (dir === undefined || expected === undefined) throw new Error('redirect.js needs VMRPC_GRPC_JS_DIR and VMRPC_GRPC_JS_VERSION');

register('./hooks.js', import.meta.url);

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options: unknown) => string;
const Module = createRequire(import.meta.url)('node:module') as { _resolveFilename: ResolveFilename };
const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  // The `paths` option of require.resolve: look the package up from `dir` only.
  if (request === '@grpc/grpc-js' || request.startsWith('@grpc/grpc-js/')) return original.call(this, request, parent, isMain, { paths: [dir] });
  return original.call(this, request, parent, isMain, options);
};

// What @vmrpc/transport (CommonJS) loads must be the copy under test.
const requireFromTransport = createRequire(createRequire(import.meta.url).resolve('@vmrpc/transport'));
const loaded = requireFromTransport('@grpc/grpc-js/package.json') as { version: string };
const where = requireFromTransport.resolve('@grpc/grpc-js');
if (loaded.version !== expected || !where.startsWith(dir)) {
  throw new Error(`@grpc/grpc-js redirect failed: @vmrpc/transport loads ${loaded.version} from ${where}, expected ${expected} from ${dir}`);
}
process.stderr.write(`[grpc-latest] @grpc/grpc-js ${loaded.version} from ${path.dirname(where)}\n`);

// ESM resolve hook (runs in Node's loader thread): `@grpc/grpc-js` and its subpaths resolve
// from the directory in VMRPC_GRPC_JS_DIR, as if the importing file lived there.
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';

type NextResolve = (specifier: string, context: { parentURL?: string | undefined }) => Promise<unknown>;

const dir = process.env.VMRPC_GRPC_JS_DIR;
const parentURL = dir === undefined ? undefined : pathToFileURL(path.join(dir, 'package.json')).href;

export async function resolve(specifier: string, context: { parentURL?: string | undefined }, next: NextResolve): Promise<unknown> {
  if (parentURL !== undefined && (specifier === '@grpc/grpc-js' || specifier.startsWith('@grpc/grpc-js/'))) {
    return next(specifier, { ...context, parentURL });
  }
  return next(specifier, context);
}

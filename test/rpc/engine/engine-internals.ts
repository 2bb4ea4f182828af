/**
 * The pieces of the rpc server's engine path, for tests of them alone. They are not public API,
 * so @vmrpc/rpc's `exports` has no path to them: they are loaded from the built package by file,
 * as host-internals.ts loads the agent host's pieces (the very modules the package's index uses).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as CallLinkServerModule from '../../../packages/rpc/dist/agent/guest/call-link-server.js';
import type * as CreateServerModule from '../../../packages/rpc/dist/server/create-server.js';
import type * as DescriptorModule from '../../../packages/rpc/dist/descriptor.js';

const require = createRequire(import.meta.url);
const distOfRpc = join(dirname(require.resolve('@vmrpc/rpc/package.json')), 'dist');

function internal<T>(path: string): T {
  return require(join(distOfRpc, path)) as T;
}

export const { createServingServer } = internal<typeof CreateServerModule>('server/create-server.js');
export const { CallLinkServer } = internal<typeof CallLinkServerModule>('agent/guest/call-link-server.js');
export type CallLinkServer = CallLinkServerModule.CallLinkServer;
export const { responseFramer } = internal<typeof DescriptorModule>('descriptor.js');

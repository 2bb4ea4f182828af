/**
 * The guest-agent part of the nested run: an agent in the inner guest (CID 3) registers with an
 * AgentHost in the outer guest over real host<->guest vsock, and the host calls one of its
 * functions. @vmrpc/rpc and the Echo service (compiled test code) are loaded by path, as
 * native.ts loads @vmrpc/native.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as RpcModule from '../../../packages/rpc/dist/index.js';
import { repoRoot } from '../harness/paths.js';

export type Rpc = typeof RpcModule;
export const AGENT_PORT = 5203;
export const AGENT_ID = 'nested-inner';

/** The one function of Echo the nested run calls. */
export interface EchoClient {
  say(request: { message: string }): Promise<{ message: string; peer: string }>;
}

export function loadRpc(): Rpc {
  const require = createRequire(import.meta.url);
  return require(join(repoRoot(), 'packages', 'rpc', 'dist', 'index.js')) as Rpc;
}

/** The Echo service descriptor generated for the test suites (test/rpc/generated). */
export async function loadEchoService(): Promise<RpcModule.ServiceDescriptor> {
  const url = pathToFileURL(join(repoRoot(), 'test', '.build', 'rpc', 'generated', 'vmrpc', 'echo', 'v1', 'echo.js')).href;
  const module = (await import(url)) as { EchoService: RpcModule.ServiceDescriptor };
  return module.EchoService;
}

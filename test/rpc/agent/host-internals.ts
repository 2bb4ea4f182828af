/**
 * The pieces AgentHost composes (issue #15), for tests of each alone. They are not public API,
 * so @vmrpc/rpc's `exports` has no path to them: they are loaded from the built package by file,
 * next to its package.json (which `exports` does list), so they are the very modules the
 * package's index uses. The types come from the same files, type-only (erased at build).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as AgentWaitersModule from '../../../packages/rpc/dist/agent/host/agent-waiters.js';
import type * as CallLinksModule from '../../../packages/rpc/dist/agent/host/call-links.js';
import type * as HostLinksModule from '../../../packages/rpc/dist/agent/host/host-links.js';
import type * as RegistryModule from '../../../packages/rpc/dist/agent/host/registry.js';
import type * as LinkTableModule from '../../../packages/rpc/dist/agent/link/link-table.js';
import type * as PrefaceModule from '../../../packages/rpc/dist/agent/link/preface.js';
import type * as AgentProtocolModule from '../../../packages/rpc/dist/agent/protocol/generated/vmrpc/agent/v1/agent.js';

const require = createRequire(import.meta.url);
const distOfRpc = join(dirname(require.resolve('@vmrpc/rpc/package.json')), 'dist');

function internal<T>(path: string): T {
  return require(join(distOfRpc, path)) as T;
}

export const { AgentWaiters } = internal<typeof AgentWaitersModule>('agent/host/agent-waiters.js');
export const { CallLinks } = internal<typeof CallLinksModule>('agent/host/call-links.js');
export const { HostLinks } = internal<typeof HostLinksModule>('agent/host/host-links.js');
export const { Registry } = internal<typeof RegistryModule>('agent/host/registry.js');
export const { LinkTable } = internal<typeof LinkTableModule>('agent/link/link-table.js');
export const { formatPreface } = internal<typeof PrefaceModule>('agent/link/preface.js');
export const { Register } = internal<typeof AgentProtocolModule>('agent/protocol/generated/vmrpc/agent/v1/agent.js');
export type Link = LinkTableModule.Link;
export type RegistryEvents = RegistryModule.RegistryEvents;
export type RegisterMessage = AgentProtocolModule.Register;

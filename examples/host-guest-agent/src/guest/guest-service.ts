/** The Guest service of the example agent: its three methods under one policy. */
import type { GuestServiceImplementation } from '../generated/vmrpc/examples/guest/v1/guest';
import { readFile, type ReadPolicy } from './read-file';
import { runCommand, type CommandPolicy } from './run-command';
import { systemInfo } from './system-info';

/** What the host may do through the agent. */
export interface GuestPolicy {
  readonly commands: CommandPolicy;
  readonly files: ReadPolicy;
}

/** The implementation the agent adds: `agent.add(GuestService, guestService(policy))`. */
export function guestService(policy: GuestPolicy): GuestServiceImplementation {
  return {
    systemInfo: async () => systemInfo(),
    runCommand: (request, context) => runCommand(request, context, policy.commands),
    readFile: (request, context) => readFile(request, context, policy.files),
  };
}

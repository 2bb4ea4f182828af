/**
 * `vmrpc vms`: the VM ids a Windows host's `hvsock:VMID:...` targets need: Hyper-V VMs (Get-VM)
 * and the WSL 2 VM (wslinfo). A wildcard listener does not match the WSL VM, so its id matters.
 */
import { listHyperVVms, wslVmId } from '@vmrpc/native';
import { defineCommand } from '../command';
import { describeError, EXIT_FAILURE, EXIT_OK } from '../errors';
import { atMost } from '../targets';

const HELP = `usage: vmrpc vms [--wsl-only]

Lists VM ids for hvsock targets (Windows only): the Hyper-V VMs (needs an administrator prompt or
membership in "Hyper-V Administrators") and the WSL 2 VM (no elevation; WSL 2.x).

  vmrpc vms
  vmrpc vms --wsl-only

      --wsl-only   only the WSL 2 VM id
`;

const FOOTER = 'exit codes: 0 listed (a source that failed is reported on stderr); 1 nothing could be listed; 2 usage error';

export const command = defineCommand({
  name: 'vms',
  summary: 'list Hyper-V and WSL 2 VM ids for hvsock targets (Windows)',
  help: HELP,
  footer: FOOTER,
  options: { 'wsl-only': { type: 'boolean' } },
  async run(values, positionals, io) {
    atMost(positionals, 0);
    const failures: string[] = [];
    let listed = 0;
    if (values['wsl-only'] !== true) {
      try {
        for (const vm of await listHyperVVms()) {
          io.stdout.write(`${vm.id}  ${vm.state.padEnd(8)}  ${vm.name}\n`);
          listed++;
        }
      } catch (error) {
        failures.push(`Hyper-V VMs: ${describeError(error)}`);
      }
    }
    try {
      io.stdout.write(`${await wslVmId()}  WSL 2\n`);
      listed++;
    } catch (error) {
      failures.push(`WSL 2: ${describeError(error)}`);
    }
    for (const failure of failures) io.stderr.write(`vmrpc vms: ${failure}\n`);
    return listed > 0 || failures.length === 0 ? EXIT_OK : EXIT_FAILURE;
  },
});

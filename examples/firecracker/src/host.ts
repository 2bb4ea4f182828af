/**
 * On the Firecracker (or Cloud Hypervisor) host: talk to the guest of the VM whose vsock device
 * has `uds_path` = --uds, in both directions, without any network in the guest.
 *
 *   node dist/host.js --uds /run/fc/v.sock [--guest-port 52] [--host-port 1234]
 */
import { parseArgs } from 'node:util';
import { GUEST_PORT, HOST_PORT } from './messages';
import { askGuest, listenForGuests } from './host-side';

const USAGE = 'usage: node dist/host.js --uds PATH [--guest-port 52] [--host-port 1234]\n';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { uds: { type: 'string' }, 'guest-port': { type: 'string', default: String(GUEST_PORT) }, 'host-port': { type: 'string', default: String(HOST_PORT) } } });
  if (values.uds === undefined) throw new Error(`--uds is required (the VMM's vsock uds_path)\n${USAGE}`);
  const options = { uds: values.uds, guestPort: Number(values['guest-port']), hostPort: Number(values['host-port']), print: (line: string) => console.log(line) };
  // Guest -> host first, so a guest that announces itself at boot finds the listener.
  const server = await listenForGuests(options);
  const report = await askGuest(options);
  console.log(`host: the guest reports ${report.hostname}, ${report.kernel}, up ${report.uptimeSeconds} s`);
  console.log('host: waiting for guests to announce themselves (Ctrl-C to stop)');
  process.once('SIGINT', () => server.close());
}

main().catch((error: Error) => {
  console.error(`host: ${error.message}`);
  process.exitCode = 1;
});

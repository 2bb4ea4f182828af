/**
 * On Windows: accept the WSL 2 guest's connections to `vsock:2:PORT`, and dial a listener in it.
 * Hyper-V delivers a guest's connection only to a registered service (once, as administrator),
 * and only to a listener on the WSL VM's own id, which changes at every WSL restart.
 *
 *   node dist/windows-host.js [--port 5000] [--guest-port 5001]
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connect, createServer, isElevated, listHvsockServices, registerHvsockService, wslVmId } from '@vmrpc/native';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5000' }, 'guest-port': { type: 'string', default: '5001' } } });
const port = Number(values.port);

/** Registers the port's service id when this process may; otherwise says how, if it is missing. */
async function ensureRegistered(): Promise<void> {
  if ((await listHvsockServices()).some((service) => service.port === port)) return;
  if (!(await isElevated())) throw new Error(`vsock port ${port} is not registered with Hyper-V: run this once as administrator`);
  await registerHvsockService({ service: port, name: 'vmrpc WSL example' });
  console.log(`windows: registered vsock port ${port} as a Hyper-V guest communication service`);
}

async function main(): Promise<void> {
  await ensureRegistered();
  const vmId = await wslVmId();
  console.log(`windows: the WSL 2 VM is ${vmId} (this id changes when WSL restarts)`);

  const server = createServer((socket) => {
    // remoteVmAddress is the verified VM id: only the WSL VM can reach this listener.
    console.log(`windows: connection from ${socket.remoteAddress ?? 'the WSL VM'}`);
    createInterface({ input: socket }).once('line', (line) => {
      console.log(`windows: the guest says ${JSON.stringify(line)}`);
      socket.end(`hello from Windows\n`);
    });
  });
  await server.listen(`hvsock:${vmId}:${port}`);
  console.log(`windows: listening on hvsock:${vmId}:${port}; in WSL run \`node dist/wsl-guest.js\``);

  // The other direction needs no registration: dial the guest's vsock listener by VM id and port.
  const toGuest = await connect(`hvsock:${vmId}:${values['guest-port']}`, { connectTimeout: 5000 }).catch((error: Error) => {
    console.log(`windows: nothing listens in WSL on vsock port ${values['guest-port']} yet (${error.message})`);
    return undefined;
  });
  toGuest?.end('hello, guest\n');
}

main().catch((error: Error) => {
  console.error(`windows: ${error.message}`);
  process.exitCode = 1;
});

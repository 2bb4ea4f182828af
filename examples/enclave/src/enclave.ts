/**
 * The enclave: asks its parent for configuration at start-up. It dials with `toHost: true`
 * (VMADDR_FLAG_TO_HOST): the connection goes to the parent through the guest-to-host transport
 * even where this kernel also has a host-side or loopback transport that could claim the CID
 * (nested set-ups, sibling VMs), which is what an enclave talking to its parent means.
 *
 *   node dist/enclave.js [--parent vsock:3:5005] [--name my-enclave]
 */
import { parseArgs } from 'node:util';
import { connect, parseTarget } from '@vmrpc/native';
import { NITRO_PARENT_CID, PARENT_PORT, readJson, writeJson, type ConfigReply } from './exchange';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { parent: { type: 'string', default: `vsock:${NITRO_PARENT_CID}:${PARENT_PORT}` }, name: { type: 'string', default: 'enclave' } } });
  // The flag exists for vsock only; a unix: target lets you try the exchange on any machine.
  const toHost = parseTarget(values.parent).family === 'vsock';
  const socket = await connect(values.parent, { toHost, connectTimeout: 5000 });
  console.log(`enclave: connected to ${values.parent}${toHost ? ' with VMADDR_FLAG_TO_HOST' : ''}`);
  writeJson(socket, { want: 'config', enclave: values.name });
  const reply = await readJson<ConfigReply>(socket, 5000);
  socket.destroy();
  if (reply.error !== undefined) throw new Error(`the parent refused: ${reply.error} (it sees this enclave as ${reply.seenAs})`);
  console.log(`enclave: configuration ${JSON.stringify(reply.config)}; the parent sees this enclave as ${reply.seenAs}`);
}

main().catch((error: Error) => {
  console.error(`enclave: ${error.message}`);
  process.exitCode = 1;
});

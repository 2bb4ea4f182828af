/**
 * In the Firecracker guest: an ordinary vsock program. It serves its report on vsock port 52 and
 * announces itself to the host by dialing CID 2 (which the VMM forwards to the host's Unix socket).
 *
 *   node dist/guest.js [--guest-port 52] [--host-port 1234]
 */
import { parseArgs } from 'node:util';
import { connect, createServer, VMADDR_CID_HOST } from '@vmrpc/native';
import { GUEST_PORT, HOST_PORT } from './messages';
import { announce, answerHost } from './guest-side';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'guest-port': { type: 'string', default: String(GUEST_PORT) }, 'host-port': { type: 'string', default: String(HOST_PORT) } } });
  const server = createServer((socket) => answerHost(socket));
  await server.listen(`vsock:any:${values['guest-port']}`);
  console.log(`guest: serving reports on vsock:any:${values['guest-port']}`);
  const socket = await connect(`vsock:${VMADDR_CID_HOST}:${values['host-port']}`, { connectTimeout: 5000 });
  console.log(`guest: the host answered: ${await announce(socket)}`);
  process.once('SIGINT', () => server.close());
}

main().catch((error: Error) => {
  console.error(`guest: ${error.message}`);
  process.exitCode = 1;
});

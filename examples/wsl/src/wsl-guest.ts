/**
 * In WSL 2 (a Linux guest of Hyper-V): the Windows host is CID 2. Dial it, and listen for it.
 *
 *   node dist/wsl-guest.js [--port 5000] [--guest-port 5001]
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connect, createServer, VMADDR_CID_HOST } from '@vmrpc/native';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5000' }, 'guest-port': { type: 'string', default: '5001' } } });

async function main(): Promise<void> {
  const server = createServer((socket) => {
    createInterface({ input: socket }).once('line', (line) => console.log(`wsl: Windows (${socket.remoteAddress ?? 'host'}) says ${JSON.stringify(line)}`));
  });
  await server.listen(`vsock:any:${values['guest-port']}`);
  console.log(`wsl: listening on vsock:any:${values['guest-port']} for the Windows host`);

  const socket = await connect(`vsock:${VMADDR_CID_HOST}:${values.port}`, { connectTimeout: 5000 });
  socket.write('hello from WSL\n');
  createInterface({ input: socket }).once('line', (line) => {
    console.log(`wsl: Windows answered ${JSON.stringify(line)}`);
    socket.destroy();
  });
}

main().catch((error: Error) => {
  console.error(`wsl: ${error.message} (is the host listening on hvsock:<WSL VM id>:${values.port}, with the port registered?)`);
  process.exitCode = 1;
});

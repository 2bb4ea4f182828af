/**
 * The parent instance: serves configuration to its enclave over vsock. The enclave is identified
 * by the CID the kernel reports for the connection (it cannot be forged from inside the enclave),
 * so --enclave-cid admits only that enclave.
 *
 *   node dist/parent.js [--listen vsock:any:5005] [--enclave-cid 16]
 */
import { parseArgs } from 'node:util';
import { createServer, type VmSocket } from '@vmrpc/native';
import { PARENT_PORT, readJson, writeJson, type ConfigRequest } from './exchange';

const { values } = parseArgs({ options: { listen: { type: 'string', default: `vsock:any:${PARENT_PORT}` }, 'enclave-cid': { type: 'string' }, once: { type: 'boolean', default: false } } });
const allowedCid = values['enclave-cid'] === undefined ? undefined : Number(values['enclave-cid']);

async function serve(socket: VmSocket): Promise<void> {
  const peer = socket.remoteVmAddress;
  // Over a Unix socket (a test run without a VM) the kernel names the peer process instead of a CID.
  const seenAs = peer?.family === 'unix' ? `a Unix socket peer (uid ${peer.uid})` : (socket.remoteAddress ?? 'an unnamed peer');
  if (allowedCid !== undefined && (peer?.family !== 'vsock' || peer.cid !== allowedCid)) {
    console.log(`parent: refused ${seenAs}: only CID ${allowedCid} may ask`);
    writeJson(socket, { error: `CID not allowed`, seenAs });
    return void socket.end();
  }
  const request = await readJson<ConfigRequest>(socket, 5000);
  console.log(`parent: ${request.enclave} (${seenAs}) asks for its ${request.want}`);
  writeJson(socket, { config: { region: 'eu-west-1', 'log-level': 'info' }, seenAs });
  socket.end();
}

async function main(): Promise<void> {
  const server = createServer((socket) => {
    socket.on('error', (error) => console.log(`parent: connection failed: ${error.message}`));
    serve(socket).then(
      () => values.once && server.close(),
      (error: Error) => {
        console.log(`parent: ${error.message}`);
        socket.destroy();
      },
    );
  });
  // For a unix:/hybrid-vsock: listen target, a file left by a killed parent is removed (vsock: no effect).
  await server.listen(values.listen, { removeStaleSocket: true });
  console.log(`parent: serving configuration on ${values.listen}${allowedCid === undefined ? '' : ` to CID ${allowedCid} only`}`);
}

main().catch((error: Error) => {
  console.error(`parent: ${error.message}`);
  process.exitCode = 1;
});

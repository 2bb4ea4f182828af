// A zero-length write on the portable data path (node:http ends every response with one) must
// complete at once, not spin in the writev loop. The spin would block the event loop, so the
// writer runs in a child process whose wait is bounded from the outside.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

const CHILD = `
const native = require('@vmrpc/native');
const path = process.env.VMRPC_EMPTY_WRITE_SOCKET;
(async () => {
  const server = native.createServer({ dataPath: 'portable' }, (socket) => {
    const parts = [];
    socket.on('data', (d) => parts.push(d));
    socket.on('end', () => { process.stdout.write('received ' + Buffer.concat(parts).toString() + '\\n'); server.close(); });
  });
  await server.listen('unix:' + path);
  const client = await native.connect('unix:' + path, { dataPath: 'portable' });
  client.cork();
  client.write(Buffer.alloc(0));
  client.write('a');
  client.write(Buffer.alloc(0));
  client.uncork();
  client.write(Buffer.alloc(0), () => client.end('b'));
})();
`;

describe('portable data path: empty writes', function () {
  linuxOnly(this);

  it('completes zero-length writes, alone and among others, without spinning', async () => {
    const child = spawn(process.execPath, ['-e', CHILD], { env: { ...process.env, VMRPC_EMPTY_WRITE_SOCKET: socketPath('empty-write') }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const code = await within(10_000, 'the writer to finish', exited);
      expect(code).to.equal(0);
      expect(output).to.equal('received ab\n');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

// A worker thread that ends with sockets open (a listening server, a connected portable socket,
// a seqpacket send blocked on a full peer) must end cleanly: the addon's libuv handles are
// closed before Node unloads the addon. Run in a child process, since a crash would take the
// test runner with it.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

const WORKER = `
const { parentPort } = require('node:worker_threads');
const native = require('@vmrpc/native');
const { encodeUnix, nativeBinding } = require('@vmrpc/native/testing');
const base = process.env.VMRPC_WORKER_BASE;
(async () => {
  const server = native.createServer(() => {});
  await server.listen('unix:' + base + '.sock');
  await native.connect('unix:' + base + '.sock', { dataPath: 'portable' });
  const b = nativeBinding();
  const address = encodeUnix({ path: base + '.seq' });
  const listener = b.socket(b.constants.AF_UNIX, b.constants.SOCK_SEQPACKET);
  b.bind(listener, address);
  b.listen(listener, 4);
  const client = b.socket(b.constants.AF_UNIX, b.constants.SOCK_SEQPACKET);
  b.connect(client, address);
  while (b.sendMessage(client, Buffer.alloc(32768)) > 0);
  b.setBlocking(client, true);
  const sender = new b.SeqpacketSender(client, () => {});
  sender.send(Buffer.alloc(1000));
  // A second socket's sender thread, idle on its condition variable.
  const idle = b.socket(b.constants.AF_UNIX, b.constants.SOCK_SEQPACKET);
  b.connect(idle, address);
  b.setBlocking(idle, true);
  const idleSender = new b.SeqpacketSender(idle, () => {});
  idleSender.send(Buffer.alloc(10));
  parentPort.postMessage('busy');
})();
`;

const MAIN = `
const { Worker } = require('node:worker_threads');
const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true });
worker.once('message', async () => {
  const code = await worker.terminate();
  process.stdout.write('terminated ' + code + '\\n');
});
worker.once('error', (error) => { console.error(error); process.exit(3); });
`;

describe('a worker thread ending with sockets open', function () {
  linuxOnly(this);

  it('ends cleanly: no crash when Node unloads the addon, no hang on a blocked send', async () => {
    const base = socketPath('worker');
    const child = spawn(process.execPath, ['-e', MAIN], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VMRPC_WORKER_BASE: base } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code, signal] = (await within(
      15_000,
      'child exit',
      new Promise((resolve) => child.once('exit', (...result) => resolve(result))),
    ).catch((error: Error) => {
      child.kill('SIGKILL');
      throw error;
    })) as [number | null, string | null];
    for (const file of [`${base}.sock`, `${base}.seq`]) fs.rmSync(file, { force: true });
    expect({ code, signal, stdout }, stderr).to.deep.equal({ code: 0, signal: null, stdout: 'terminated 1\n' });
  });
});

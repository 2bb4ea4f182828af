// Both data paths, the dialer, the server and the poller over AF_UNIX: the same addon code as
// vsock, runnable on any Linux host.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { connect, createServer, type VmServer } from '@vmrpc/native';
import { nativeBinding } from '@vmrpc/native/testing';
import { encodeUnix } from '@vmrpc/native/testing';
import { rejection, socketPath } from '../support/checks.js';
import { defineStreamSuite } from './stream-suite.js';

const targets = new Map<VmServer, string>();
let lastListen = '';

/** A socket file that exists but has no listener: connect(2) answers ECONNREFUSED. */
function staleSocketFile(): string {
  const path = socketPath('stale');
  const binding = nativeBinding();
  const fd = binding.socket(binding.constants.AF_UNIX, binding.constants.SOCK_STREAM);
  expect(binding.bind(fd, encodeUnix({ path }))).to.equal(0);
  binding.close(fd);
  return `unix:${path}`;
}

describe('Unix stream sockets through @vmrpc/native', function () {
  if (process.platform !== 'linux') {
    before(function () {
      this.skip();
    });
  }

  defineStreamSuite({
    listenTarget: () => (lastListen = `unix:${socketPath('s')}`),
    connectTarget: (server) => {
      const address = server.address();
      if (address?.family !== 'unix') throw new Error('not a unix server');
      const target = `unix:${address.path}`;
      targets.set(server, target);
      return target;
    },
    refusedTarget: staleSocketFile,
    bulkBytes: 32 << 20,
    concurrentConnections: 200,
    // A Unix client that never bound a path is unnamed: its address is its process's credentials.
    checkAcceptedPeer: (socket) => {
      expect(socket.remoteVmAddress).to.deep.equal({ family: 'unix', path: '', pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
      expect(socket.remoteAddress).to.equal('unix:unnamed-peer');
    },
  });

  it('reports ENOENT with a hint when no socket file exists', async () => {
    const error = await rejection(connect('unix:/tmp/vmrpc-no-such-dir/x.sock'));
    expect(error.code).to.equal('ENOENT');
    expect(error.message).to.match(/is the server running/);
  });

  it('refuses a second listener on the same path with EADDRINUSE, and unlinks on close', async () => {
    const target = `unix:${socketPath('dup')}`;
    const first = createServer();
    await first.listen(target);
    const error = await rejection(createServer().listen(target));
    expect(error.code).to.equal('EADDRINUSE');
    expect(error.syscall).to.equal('bind');
    await new Promise<void>((resolve) => first.close(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fs.existsSync(target.slice(5))).to.equal(false);
    void lastListen;
  });

  it('listens on abstract names', async () => {
    const target = `unix-abstract:vmrpc-test-${process.pid}`;
    const server = createServer((socket) => socket.end('hi'));
    await server.listen(target);
    const socket = await connect(target);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).to.equal('hi');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('rejects bad options with Node-style codes, never a crash', async () => {
    const cases: Array<[unknown, string]> = [
      [{ connectTimeout: -1 }, 'ERR_OUT_OF_RANGE'],
      [{ connectTimeout: 'soon' }, 'ERR_INVALID_ARG_TYPE'],
      [{ signal: {} }, 'ERR_INVALID_ARG_TYPE'],
      [{ dataPath: 'teleport' }, 'ERR_INVALID_ARG_VALUE'],
      [{ bufferSize: 0 }, 'ERR_OUT_OF_RANGE'],
      ['not-an-object', 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [options, code] of cases) {
      const error = await rejection(connect('unix:/tmp/x.sock', options as never));
      expect(error.code, JSON.stringify(options)).to.equal(code);
    }
    expect((await rejection(createServer().listen('unix:/tmp/x.sock', { backlog: -5 }))).code).to.equal('ERR_OUT_OF_RANGE');
  });
});

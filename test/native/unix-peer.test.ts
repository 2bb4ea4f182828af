// Accepted Unix sockets name their peer with the kernel's SO_PEERCRED: the connecting process's
// pid, uid and gid, for stream and seqpacket servers, whatever the peer calls itself.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createSeqpacketServer, createServer, formatTarget, parseTarget, type SeqpacketSocket, type VmSocket } from '@vmrpc/native';
import { encodeUnix, nativeBinding } from '@vmrpc/native/testing';
import { socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

describe('Unix peers: SO_PEERCRED credentials', function () {
  linuxOnly(this);

  it('gives the pid of the process that connected (a child), not our own', async () => {
    const path = socketPath('peer-child');
    const server = createServer();
    const accepted = once(server, 'connection') as Promise<[VmSocket]>;
    await server.listen(`unix:${path}`);
    const child = spawn(process.execPath, ['-e', `require('node:net').connect(${JSON.stringify(path)}).on('connect', () => setTimeout(() => {}, 5000))`]);
    try {
      const [socket] = await within(10_000, 'child connects', accepted);
      expect(socket.remoteVmAddress).to.deep.equal({ family: 'unix', path: '', pid: child.pid, uid: process.getuid!(), gid: process.getgid!() });
      socket.destroy();
    } finally {
      child.kill('SIGKILL');
    }
    await within(5000, 'close', new Promise<void>((resolve) => server.close(() => resolve())));
  });

  it('keeps the name of a peer that bound one, with its credentials; seqpacket servers too', async () => {
    const path = socketPath('peer-seq');
    const server = createSeqpacketServer();
    const accepted = once(server, 'connection') as Promise<[SeqpacketSocket]>;
    await server.listen(`unix:${path}`);
    const binding = nativeBinding();
    const client = binding.socket(binding.constants.AF_UNIX, binding.constants.SOCK_SEQPACKET);
    const clientPath = socketPath('peer-named');
    expect(binding.bind(client, encodeUnix({ path: clientPath }))).to.equal(0);
    expect(binding.connect(client, encodeUnix({ path }))).to.equal(0);
    const [socket] = await within(5000, 'accept', accepted);
    expect(socket.remoteVmAddress).to.deep.equal({ family: 'unix', path: clientPath, pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    // The credentials are not part of a target: formatting gives the path to connect to.
    expect(parseTarget(formatTarget(socket.remoteVmAddress!))).to.deep.equal({ family: 'unix', path: clientPath });
    socket.destroy();
    binding.close(client);
    fs.rmSync(clientPath, { force: true });
    await within(5000, 'close', new Promise<void>((resolve) => server.close(() => resolve())));
  });

  it("an unnamed peer formats as unix:unnamed-peer, but is not a target", () => {
    expect(formatTarget({ family: 'unix', path: '', pid: 1, uid: 0, gid: 0 })).to.equal('unix:unnamed-peer');
    expect(() => formatTarget({ family: 'unix', path: '' })).to.throw(/path is empty/);
  });
});

// vmrpc ping against a real gRPC server, a peer that is not HTTP/2, and nothing at all.
import { expect } from 'chai';
import * as net from 'node:net';
import { socketPath } from '../support/checks.js';
import { runCli } from './run-cli.js';
import { startTestServer } from './grpc-server.js';

describe('vmrpc ping', function () {
  this.timeout(30_000);

  it('prints one reply per ping and the min/avg/max summary, exit 0', async () => {
    const served = await startTestServer();
    try {
      const result = await runCli(['ping', '-c', '3', '-i', '50ms', served.target]);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      const text = result.stdout.toString();
      expect(text).to.match(new RegExp(`^PING ${served.target} \\(HTTP/2 PING frames\\)\\n`));
      expect(text.match(/^reply from .*: seq=\d time=\d+\.\d{3} ms$/gm)).to.have.length(3);
      expect(text).to.match(/^3 sent, 3 received, 0% loss, time \d+ ms$/m);
      expect(text).to.match(/^rtt min\/avg\/max = (\d+\.\d{3}\/){2}\d+\.\d{3} ms$/m);
    } finally {
      await served.server.close(0);
    }
  });

  it('-q prints only the summary', async () => {
    const served = await startTestServer();
    try {
      const result = await runCli(['ping', '-q', '-c', '2', '-i', '10ms', served.target]);
      expect(result.code).to.equal(0);
      expect(result.stdout.toString()).to.match(/^--- .* ping statistics ---\n2 sent, 2 received/);
    } finally {
      await served.server.close(0);
    }
  });

  it('nothing listening: one ECONNREFUSED line with the hint, exit 1', async () => {
    const target = `unix-abstract:vmrpc-test-nobody-${process.pid}`;
    const result = await runCli(['ping', '-c', '1', target]);
    expect(result.stderr).to.equal(`vmrpc ping: connect ECONNREFUSED ${target} (nothing is listening there)\n`);
    expect(result.code).to.equal(1);
  });

  it('a peer that is not a gRPC server: says so within the connect timeout, exit 1', async () => {
    const path = socketPath('not-grpc');
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket.on('error', () => undefined));
      socket.end('SSH-2.0-hello\r\n');
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const result = await runCli(['ping', '-c', '1', '-w', '2s', `unix:${path}`]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(/^vmrpc ping: unix:\S+ (does not speak HTTP\/2|closed the connection before HTTP\/2 started): is it a gRPC server\?/);
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});

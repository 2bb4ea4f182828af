// vmrpc over real vsock (loopback, inside the VM harness only): `vmrpc cid` and `vmrpc nc`
// both ways, bytes sha256-checked, half-close included.
import { expect } from 'chai';
import { connect, createServer, localCid, type VmSocket } from '@vmrpc/native';
import { payload, sha256, within } from '../support/checks.js';
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';
import { collect, runCli, startCli } from './run-cli.js';

// Node starts slowly in the harness guest (emulated CPU without KVM): generous bounds.
const BOUND_MS = 50_000;

const MiB = 1024 * 1024;

describe('vmrpc over vsock: (loopback)', function () {
  requireVsockTestGuest(this);
  this.timeout(120_000);

  it('vmrpc cid prints the CID localCid() reads', async () => {
    const result = await runCli(['cid'], '', BOUND_MS);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout.toString()).to.equal(`${localCid()}\n`);
  });

  it('vmrpc nc vsock:local:PORT: stdin up, half-close, the reply down', async () => {
    const port = freshVsockPort();
    const server = createServer({ allowHalfOpen: true }, (socket: VmSocket) => {
      void collect(socket).then((received) => socket.end(`${received.hash} ${received.bytes}\n`));
    });
    await server.listen(`vsock:any:${port}`);
    try {
      const input = payload(4 * MiB);
      const result = await runCli(['nc', '-w', '5s', `vsock:local:${port}`], input.data, BOUND_MS);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(result.stdout.toString()).to.equal(`${input.hash} ${input.data.length}\n`);
    } finally {
      server.close();
    }
  });

  it('vmrpc nc -l vsock:any:PORT: a vsock client sends and receives through it', async () => {
    const port = freshVsockPort();
    const toClient = payload(2 * MiB);
    const fromClient = payload(3 * MiB);
    const nc = startCli(['nc', '-l', '-v', `vsock:any:${port}`], toClient.data, BOUND_MS);
    await nc.stderrMatches(/listening on vsock:/, BOUND_MS);
    const socket = await connect(`vsock:1:${port}`, { allowHalfOpen: true, connectTimeout: 5000 });
    const received = collect(socket);
    socket.end(fromClient.data);
    expect(await within(BOUND_MS, 'download', received)).to.deep.equal({ bytes: toClient.data.length, hash: toClient.hash });
    const result = await nc.done;
    expect(result.code).to.equal(0);
    expect(result.stderr).to.match(/connection from vsock:1:\d+/);
    expect(sha256(result.stdout)).to.equal(fromClient.hash);
  });

  it('vmrpc nc to a vsock port nobody listens on: ECONNREFUSED with the hint', async () => {
    const port = freshVsockPort();
    const result = await runCli(['nc', `vsock:1:${port}`], '', BOUND_MS);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(new RegExp(`^vmrpc nc: connect ECONNREFUSED vsock:1:${port} \\(.+\\)\\n$`));
  });
});

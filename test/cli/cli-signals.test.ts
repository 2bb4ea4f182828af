// Ctrl-C and SIGTERM end `vmrpc nc -l` while it serves a connection, and `vmrpc ping` while a
// ping is outstanding: each signal is sent after an event that proves the state it tests.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { socketPath, within } from '../support/checks.js';
import { startCli } from './run-cli.js';

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const PING = 6;
const ACK = 1;
// An empty SETTINGS frame, then a SETTINGS ACK: enough for the client to start.
const SETTINGS_AND_ACK = Buffer.from('000000040000000000000000040100000000', 'hex');

/**
 * An HTTP/2 server that answers the handshake and never a PING: `pinged` resolves once a PING
 * frame (not an ack) arrives, so the client is known to wait for its answer.
 */
async function mutePeer(): Promise<{ path: string; pinged: Promise<void>; close: () => void }> {
  const path = socketPath('mute-h2');
  const sockets = new Set<net.Socket>();
  let seen: () => void = () => undefined;
  const pinged = new Promise<void>((resolve) => (seen = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket.on('error', () => undefined));
    let buffered = Buffer.alloc(0);
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      if (!answered) socket.write(SETTINGS_AND_ACK);
      answered = true;
      buffered = Buffer.concat([buffered, chunk]);
      let offset = PREFACE_BYTES;
      while (buffered.length >= offset + FRAME_HEADER_BYTES) {
        const length = buffered.readUIntBE(offset, 3);
        if (buffered[offset + 3] === PING && (buffered[offset + 4]! & ACK) === 0) seen();
        offset += FRAME_HEADER_BYTES + length;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    pinged,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('vmrpc nc -l and vmrpc ping stop on a signal', function () {
  this.timeout(30_000);

  for (const [signal, flags] of [['SIGINT', ['-l']], ['SIGTERM', ['-l', '-k']]] as const) {
    it(`nc ${flags.join(' ')}: ${signal} while serving a connection ends it, exit 130, socket file removed`, async () => {
      const path = socketPath('nc-signal');
      // stdin stays open: the connection is still being served when the signal comes.
      const stdin = new PassThrough();
      const nc = startCli(['nc', ...flags, '-v', `unix:${path}`], stdin, 10_000);
      await nc.stderrMatches(/listening on unix:/);
      const client = net.connect(path);
      const closed = new Promise<void>((resolve) => client.on('error', () => undefined).once('close', () => resolve()));
      client.write('hello\n');
      await nc.stdoutIncludes('hello\n');
      nc.child.kill(signal);
      const result = await nc.done;
      expect(result.code).to.equal(130);
      expect(result.stderr).to.match(/^vmrpc nc: listening on unix:\S+\nvmrpc nc: connection from .+\n$/);
      expect(fs.existsSync(path)).to.equal(false);
      await within(5000, 'the client sees the connection end', closed);
    });
  }

  it('ping: Ctrl-C while a ping is outstanding stops at once (not after --timeout), summary, exit 1', async () => {
    const peer = await mutePeer();
    try {
      const started = Date.now();
      const ping = startCli(['ping', '--timeout', '60s', `unix:${peer.path}`], '', 10_000);
      await within(10_000, 'the first PING frame', peer.pinged);
      ping.child.kill('SIGINT');
      const result = await ping.done;
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(1);
      expect(result.stdout.toString()).to.match(/\n1 sent, 0 received, 100% loss, time \d+ ms\n$/);
      expect(Date.now() - started).to.be.below(10_000);
    } finally {
      peer.close();
    }
  });
});

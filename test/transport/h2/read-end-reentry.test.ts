/**
 * A socket read that starts while the engine is telling the listeners of an earlier read (a
 * socket factory's stream that pushes bytes from inside a listener) must not lose or repeat a
 * delivery: before, its deliveries overwrote the earlier read's untold ones, one call never got
 * a status (not even at its deadline) and another threw out of the read.
 */
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createChannel, createH2Session, type H2Stream } from '@vmrpc/transport';
import { within } from '../../support/checks.js';

function grpcMessage(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

describe('h2 engine: a read inside an end-of-read delivery', () => {
  it('tells every call its status once, after its message, when a listener starts another read', async () => {
    // The server's bytes go to the client only when the test says so (`held` until then).
    let holding = false;
    const held: Buffer[] = [];
    let answered = 0;
    let onAnswered: () => void = () => undefined;
    const clientSide: Duplex = new Duplex({ read: () => undefined, write: (chunk: Buffer, _encoding, done) => (serverSide.push(chunk), done()) });
    const serverSide: Duplex = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, done) => {
        if (holding) held.push(chunk);
        else clientSide.push(chunk);
        done();
      },
    });
    createH2Session(serverSide, {
      role: 'server',
      onStream: (stream: H2Stream) => ({
        onHeaders: () => undefined,
        onData: (data: Buffer, end: boolean) => {
          stream.consume(data.length);
          if (!end) return;
          stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
          stream.sendData(grpcMessage(Buffer.from(`answer ${stream.id}`)), false);
          stream.sendHeaders(['grpc-status', '0'], true);
          answered++;
          onAnswered();
        },
        onReset: () => undefined,
        onDrain: () => undefined,
      }),
    });
    const channel = createChannel(async () => clientSide, { name: 'duplex pair', http2: 'vmrpc' });
    const told: string[] = [];
    const call = (name: string, onMessage?: () => void): Promise<grpc.StatusObject> =>
      new Promise((resolve) => {
        const started = channel.createCall('/p.S/M', Date.now() + 10_000, null, null, 0);
        started.start(new grpc.Metadata(), {
          onReceiveMetadata: () => undefined,
          onReceiveMessage: () => (told.push(`${name} message`), onMessage?.()),
          onReceiveStatus: (status: grpc.StatusObject) => (told.push(`${name} status`), resolve(status)),
        });
        started.sendMessageWithContext({}, Buffer.alloc(0));
        started.halfClose();
        started.startRead();
      });
    const answersHeld = (count: number): Promise<void> => new Promise((resolve) => (onAnswered = () => answered >= count && resolve()));
    try {
      expect((await within(5000, 'warm-up call', call('warm-up'))).code).to.equal(grpc.status.OK);
      holding = true;
      let laterBytes = Buffer.alloc(0);
      const first = answersHeld(3);
      // A's listener pushes the answers of C and D while A's and B's read is being told.
      const a = call('A', () => clientSide.push(laterBytes));
      const b = call('B');
      await within(5000, 'A and B answered', first);
      const ab = Buffer.concat(held.splice(0));
      const second = answersHeld(5);
      const c = call('C');
      const d = call('D');
      await within(5000, 'C and D answered', second);
      laterBytes = Buffer.concat(held.splice(0));
      holding = false;
      told.length = 0;
      clientSide.push(ab); // one read: A's and B's answers, told at its end
      const statuses = await within(5000, 'every status', Promise.all([a, b, c, d]));
      expect(statuses.map((status) => status.code)).to.deep.equal([0, 0, 0, 0]);
      for (const name of ['A', 'B', 'C', 'D']) {
        expect(told.filter((entry) => entry === `${name} status`), `${name}'s status`).to.have.length(1);
        expect(told.indexOf(`${name} message`)).to.be.below(told.indexOf(`${name} status`));
      }
    } finally {
      channel.close();
    }
  });
});

/**
 * Integrity: bytes written in random chunk sizes arrive whole and in order (raw sockets on both
 * data paths, checked by sha256), and gRPC streams with random message sizes deliver every
 * message exactly once, in order, or fail the call.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { connect, type DataPathOption } from '@vmrpc/native';
import { drain, sha256, within } from '../support/checks.js';
import { carrierLabel, endpoint, serveRaw, type CarrierKind } from './support/carriers.js';
import { sequencedMessage } from './support/fault-service.js';
import { formatBytes, recordFigure } from './support/figures.js';
import { GrpcFixture } from './support/fixture.js';
import { SeededRandom, runSeed } from './support/random.js';
import { faultScale, generous } from './support/scale.js';

/** Writes `total` random bytes in chunks of random size (1 byte to 256 KiB), honouring backpressure. */
async function writeRandomChunks(random: SeededRandom, total: number, write: (chunk: Buffer) => Promise<void>, hash: ReturnType<typeof createHash>): Promise<number> {
  let written = 0;
  while (written < total) {
    const size = Math.min(total - written, random.next() < 0.3 ? random.int(1, 64) : random.int(1, 256 * 1024));
    const chunk = random.bytes(Math.min(size, 4096)).subarray(0, size);
    const body = size > chunk.length ? Buffer.concat([chunk, Buffer.alloc(size - chunk.length, written & 0xff)]) : chunk;
    hash.update(body);
    await write(body);
    written += size;
  }
  return written;
}

export function integritySuite(kind: CarrierKind): void {
  const scale = faultScale();
  const carrier = carrierLabel(kind);

  describe(`integrity over ${carrier}`, function () {
    this.timeout(generous(120_000));

    for (const dataPath of ['native-handle', 'portable'] as DataPathOption[]) {
      it(`echoes ${scale.integrityRounds} transfers written in random chunk sizes, sha256-checked (${dataPath} client)`, async () => {
        const seed = runSeed();
        const random = new SeededRandom(seed).fork(`raw-${kind}-${String(dataPath)}`);
        const at = endpoint(kind, 'chunks');
        const served = await serveRaw(at, (socket) => {
          socket.on('error', () => undefined);
          socket.pipe(socket);
        });
        let verified = 0;
        try {
          for (let round = 0; round < scale.integrityRounds; round++) {
            const socket = await connect(at.dial, { dataPath, connectTimeout: generous(5000) });
            const received = drain(socket);
            const sent = createHash('sha256');
            const total = random.int(1, 4 << 20);
            await writeRandomChunks(random, total, (chunk) => new Promise((resolve, reject) => socket.write(chunk, (error) => (error ? reject(error) : resolve()))), sent);
            socket.end();
            const echo = await within(generous(30_000), 'echo', received);
            expect(echo.bytes, `round ${round} (seed ${seed})`).to.equal(total);
            expect(echo.hash, `round ${round} (seed ${seed})`).to.equal(sent.digest('hex'));
            verified += total * 2;
          }
        } finally {
          await served.close();
        }
        recordFigure({
          group: 'integrity',
          what: `${scale.integrityRounds} echo transfers of 1 B-4 MiB in random chunks (1 B-256 KiB), ${dataPath} client`,
          carrier,
          result: `${formatBytes(verified)} verified by sha256, no byte lost or reordered`,
          counts: { bytesVerified: verified },
        });
      });
    }

    it('gRPC client and bidi streams with random message sizes: every message once, in order', async () => {
      const seed = runSeed();
      const random = new SeededRandom(seed).fork(`grpc-${kind}`);
      const fixture = await GrpcFixture.start(kind, 'streams');
      let verified = 0;
      try {
        const client = fixture.client({ grpc: { 'grpc.max_receive_message_length': 1 << 20 } });
        for (let round = 0; round < scale.integrityRounds; round++) {
          const sizes = Array.from({ length: random.int(1, 200) }, () => (random.next() < 0.2 ? 4 : random.int(4, 64 * 1024)));
          const messages = sizes.map((size, index) => sequencedMessage(index, size));
          const upload = await client.clientStream(messages.map((payload) => ({ payload })));
          expect(upload.index, `messages counted by the server (seed ${seed})`).to.equal(messages.length);
          expect(Buffer.from(upload.payload).toString('hex'), `hash of the upload (seed ${seed})`).to.equal(sha256(messages));
          let index = 0;
          for await (const echo of client.bidi(messages.map((payload) => ({ payload })))) {
            expect(echo.index).to.equal(index);
            expect(Buffer.from(echo.payload).equals(messages[index]!), `bidi message ${index} (seed ${seed})`).to.equal(true);
            index++;
          }
          expect(index).to.equal(messages.length);
          const bytes = sizes.reduce((sum, size) => sum + size, 0);
          verified += 3 * bytes;
        }
      } finally {
        await fixture.close();
      }
      recordFigure({
        group: 'integrity',
        what: `${scale.integrityRounds} rounds of a client stream and a bidi echo of 1-200 messages of 4 B-64 KiB`,
        carrier,
        result: `${formatBytes(verified)} verified (server hash of the upload, each echoed message compared), order and count exact`,
        counts: { bytesVerified: verified },
      });
    });
  });
}

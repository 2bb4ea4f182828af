// Compressed requests through the gateway (#17): a stock grpc-js client that compresses every
// message (grpc.default_compression_algorithm) reaches the agent; the gateway inflates with the
// same message limit, so a small compressed message that inflates past it is RESOURCE_EXHAUSTED.
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Status } from '@vmrpc/rpc';
import { expect } from 'chai';
import { sha256, within } from '../../support/checks.js';
import { Request, Response } from '../generated/vmrpc/testing/v1/conformance.js';
import { gatewayFixture, stockMetadata, stockUnary } from './gateway-fixture.js';

const GZIP = 2;
const DEFLATE = 1;
const encode = (request: Parameters<typeof Request.encode>[0]): Buffer => Request.encode(request);
const AGENT = { 'vmrpc-agent': 'vm-gw' };

function stockClient(target: string, algorithm: number): grpc.Client {
  return new grpc.Client(target, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': algorithm });
}

function unary(client: grpc.Client, request: Buffer): Promise<Response> {
  return stockUnary(client, request, AGENT);
}

describe('agent gateway: compressed requests (unix:)', function () {
  this.timeout(20_000);

  for (const [name, algorithm] of [['gzip', GZIP], ['deflate', DEFLATE]] as const) {
    it(`inflates ${name} requests from a stock grpc-js client: unary and client-streaming bytes intact`, async function () {
      const fx = await gatewayFixture();
      const client = stockClient(fx.admin, algorithm);
      try {
        // Twice: the second call is made after the gateway's grpc-accept-encoding was seen.
        for (let round = 0; round < 2; round++) {
          const body = Buffer.concat([randomBytes(64 * 1024), Buffer.alloc(512 * 1024, round)]);
          const answer = await within(5000, `unary ${round}`, unary(client, encode({ payload: body })));
          expect(sha256(Buffer.from(answer.payload))).to.equal(sha256(body));
          expect(answer.bytesReceived).to.equal(BigInt(body.length));
        }
        const parts = Array.from({ length: 8 }, (_, index) => Buffer.concat([randomBytes(1000), Buffer.alloc(100_000, index)]));
        const summed = await within(5000, 'client stream', new Promise<Response>((resolve, reject) => {
          const call = client.makeClientStreamRequest('/vmrpc.testing.v1.Conformance/ClientStream', (value: Buffer) => value, (bytes: Buffer) => Response.decode(bytes), stockMetadata(AGENT), (error, value) => (error ? reject(error) : resolve(value!)));
          for (const part of parts) call.write(encode({ payload: part }));
          call.end();
        }));
        expect(Buffer.from(summed.payload).toString('hex')).to.equal(sha256(parts));
        expect(summed.bytesReceived).to.equal(BigInt(parts.length * 101_000));
      } finally {
        client.close();
        await fx.close();
      }
    });
  }

  it('a compressed message that inflates past the limit is RESOURCE_EXHAUSTED', async function () {
    const fx = await gatewayFixture();
    const client = stockClient(fx.admin, GZIP);
    try {
      // 5 MiB of zeros compresses to a few KiB: under the limit on the wire, over it inflated.
      const error = (await within(5000, 'refused', unary(client, encode({ payload: Buffer.alloc(5 * 1024 * 1024) })).then(() => undefined, (failure: grpc.ServiceError) => failure)))!;
      expect(error, 'the call failed').to.not.equal(undefined);
      expect(error.code).to.equal(Status.RESOURCE_EXHAUSTED);
      expect(error.details).to.match(/inflated request message is larger than the gateway's limit of 4194304 bytes/);
    } finally {
      client.close();
      await fx.close();
    }
  });
});

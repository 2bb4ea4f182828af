// Responses a handler gets wrong, alike on both servers (grpc-js's, what createServer() listens
// with; the engine server, what agents' call links run): one that does not serialize fails the
// call INTERNAL "Error serializing response" and reaches onError; a streaming handler's `yield
// null` fails the call INTERNAL (a handler fault, told to onError) rather than send a message.
import { closeClient, createClient, createServer, INTERNAL_ERROR_DETAILS, RpcError, Status, type ServiceImplementation } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { engineFixture } from './engine/engine-fixture.js';
import { StreamingService } from './generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from './streaming-service.js';

interface Served {
  target: string;
  errors: unknown[];
  close(): Promise<void>;
}

function faultyImplementation(): ServiceImplementation<typeof StreamingService> {
  return {
    ...streamingImplementation(newLog()),
    // A string field given a number: protobufjs cannot write it.
    act: () => ({ peer: 5 as unknown as string }),
    async *count() {
      yield { index: 1 };
      yield null as unknown as { index: number };
    },
  };
}

const SERVERS: Array<[string, () => Promise<Served>]> = [
  [
    'grpc-js server (createServer)',
    async () => {
      const errors: unknown[] = [];
      const server = createServer({ onError: (error) => errors.push(error) });
      server.add(StreamingService, faultyImplementation());
      const target = `unix:${socketPath('codec-responses')}`;
      await server.listen(target);
      return { target, errors, close: () => server.close(0) };
    },
  ],
  [
    'engine server (call links)',
    async () => {
      const log = newLog();
      const fixture = await engineFixture({ log, implementation: faultyImplementation() });
      return { target: fixture.target, errors: log.errors, close: () => fixture.close(0) };
    },
  ],
];

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return within(10_000, 'the call to fail', promise.then(() => { throw new Error('the call succeeded'); }, (error: unknown) => error));
}

for (const [name, serve] of SERVERS) {
  describe(`handler responses that are not messages: ${name}`, function () {
    let served: Served;
    let client: ReturnType<typeof createClient<typeof StreamingService>>;

    before(async function () {
      served = await serve();
      client = createClient(StreamingService, served.target);
    });

    after(async () => {
      if (client !== undefined) closeClient(client);
      await served?.close();
    });

    it('a response that does not serialize: INTERNAL "Error serializing response", and onError sees why', async function () {
      served.errors.length = 0;
      const error = await failure(client.act({ value: 1n }));
      expect(error).to.be.instanceOf(RpcError);
      expect(error).to.include({ code: Status.INTERNAL, details: 'Error serializing response' });
      expect(served.errors).to.have.length(1);
      expect(served.errors[0]).to.be.instanceOf(Error);
    });

    it('`yield null` in a streaming handler: the messages before it, then INTERNAL, and onError names the method', async function () {
      served.errors.length = 0;
      const received: number[] = [];
      const error = await failure((async () => {
        for await (const outcome of client.count({ count: 1 })) received.push(outcome.index);
      })());
      expect(received).to.deep.equal([1]);
      expect(error).to.include({ code: Status.INTERNAL, details: INTERNAL_ERROR_DETAILS });
      expect(served.errors.map((caught) => (caught as Error).message)).to.deep.equal([
        'the handler of /vmrpc.testing.v1.Streaming/Count yielded null, not a message; yield {} for a message of defaults',
      ]);
    });
  });
}

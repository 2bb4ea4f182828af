/**
 * A typed unary call runs straight on the channel's createCall (not through grpc-js's Client) and
 * keeps what the Client did: the answers of a misbehaving server (no response, two responses, a
 * response that does not decode) fail as grpc-js fails them, and a failure's cause carries the
 * caller's stack. The misbehaving server is node:http2 answering by hand (a real HTTP/2 peer; no
 * gRPC server can be made to send these answers).
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Status, closeClient, createClient } from '@vmrpc/rpc';
import { createH2Session } from '@vmrpc/transport';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { frame, rpcError, servedStreamingClient } from './direct-calls.js';
import { StreamingService, type StreamingServiceClient } from './generated/vmrpc/testing/v1/streaming.js';


describe('rpc typed unary calls on the channel directly', function () {
  for (const engine of ['node', 'vmrpc'] as const) describe(`against a server that answers by hand (client on the ${engine} HTTP/2 engine)`, function () {
    let server: http2.Http2Server;
    let client: StreamingServiceClient;
    let answer: Buffer[] = [];

    beforeEach(async function () {
      const path = socketPath('hand-server');
      server = http2.createServer();
      server.on('stream', (stream) => {
        stream.resume();
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-trailer': 'hand' }));
          for (const message of answer) stream.write(frame(message));
          stream.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      client = createClient(StreamingService, `unix:${path}`, { http2: engine });
    });

    afterEach(async function () {
      closeClient(client);
      await new Promise((resolve) => server.close(resolve));
    });

    it('a response is delivered, with the trailers to onTrailer', async function () {
      answer = [Buffer.alloc(0)];
      let trailer: grpc.Metadata | undefined;
      expect(await within(5000, 'ping', client.ping({}, { onTrailer: (t) => (trailer = t) }))).to.deep.equal({});
      expect(trailer?.get('x-trailer')).to.deep.equal(['hand']);
    });

    it('onHeader alone gets the response headers; a call that asks for neither still resolves', async function () {
      answer = [Buffer.alloc(0)];
      let header: grpc.Metadata | undefined;
      expect(await within(5000, 'ping', client.ping({}, { onHeader: (h) => (header = h) }))).to.deep.equal({});
      expect(header?.get('content-type')).to.deep.equal(['application/grpc']);
      expect(await within(5000, 'ping', client.ping({}))).to.deep.equal({});
    });

    it('OK without a response: UNIMPLEMENTED "No message received", with the trailers', async function () {
      answer = [];
      const error = await rpcError(client.ping({}));
      expect(error.code).to.equal(Status.UNIMPLEMENTED);
      expect(error.details).to.equal('No message received');
      expect(error.metadata.get('x-trailer')).to.deep.equal(['hand']);
    });

    it('two responses: UNIMPLEMENTED "Too many responses received"', async function () {
      answer = [Buffer.alloc(0), Buffer.alloc(0)];
      const error = await rpcError(client.ping({}));
      expect(error.code).to.equal(Status.UNIMPLEMENTED);
      expect(error.details).to.equal('Too many responses received');
    });

    it('a response that does not decode: INTERNAL "Response message parsing error: ..."', async function () {
      // Field 1, length-delimited, claiming 100 bytes that are not there.
      answer = [Buffer.from([0x0a, 100, 1])];
      const error = await rpcError(client.echo({}));
      expect(error.code).to.equal(Status.INTERNAL);
      expect(error.details).to.match(/^Response message parsing error: ./);
    });
  });

  for (const engine of ['node', 'vmrpc'] as const) describe(`against @vmrpc/transport's HTTP/2 engine answering in one write (client on the ${engine} engine)`, function () {
    // The response headers, both messages and the OK status arrive in one socket read: the
    // second message must fail the call although the status is already queued behind it.
    let server: net.Server;
    let client: StreamingServiceClient;

    beforeEach(async function () {
      const path = socketPath('one-write-server');
      server = net.createServer((socket) => {
        createH2Session(socket, {
          role: 'server',
          onStream(stream) {
            return {
              onHeaders: () => undefined,
              onData(data, endStream) {
                stream.consume(data.length);
                if (!endStream) return;
                stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
                stream.sendData(Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0))]), false);
                stream.sendHeaders(['grpc-status', '0'], true);
              },
              onReset: () => undefined,
            };
          },
        });
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      client = createClient(StreamingService, `unix:${path}`, { http2: engine });
    });

    afterEach(async function () {
      closeClient(client);
      await new Promise((resolve) => server.close(resolve));
    });

    it('two responses: UNIMPLEMENTED "Too many responses received", also for a client stream', async function () {
      for (const call of [() => client.ping({}), () => client.sum([{ value: 1n }])]) {
        const error = await rpcError(call());
        expect(error.code).to.equal(Status.UNIMPLEMENTED);
        expect(error.details).to.equal('Too many responses received');
      }
    });
  });

  describe('against a grpc-js server', function () {
    const served = servedStreamingClient('direct-unary');
    let client: StreamingServiceClient;
    let target: string;
    beforeEach(() => ({ client, target } = served));

    it('a failure keeps the caller\'s stack in its cause ("for call at")', async function () {
      async function theCallersFunction(): Promise<unknown> {
        return client.act({ failCode: Status.NOT_FOUND, failDetails: 'nothing here' });
      }
      // Node's default (mocha raises it to Infinity): the caller's stack is deeper than that.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 10;
      let failed: Promise<unknown>;
      try {
        failed = theCallersFunction();
      } finally {
        Error.stackTraceLimit = limit;
      }
      const error = await rpcError(failed);
      expect(error.code).to.equal(Status.NOT_FOUND);
      const cause = error.cause as Error & { code: number; details: string };
      expect(cause.code).to.equal(Status.NOT_FOUND);
      expect(cause.message).to.equal('5 NOT_FOUND: nothing here');
      expect(cause.stack).to.match(/for call at\n[^]*theCallersFunction/);
      // The caller's frames as Error.captureStackTrace(unaryCall) gives them: the library's own
      // frames left out, as many caller frames as Error.stackTraceLimit.
      const callerPart = cause.stack!.slice(cause.stack!.indexOf('for call at\n') + 'for call at\n'.length).split('\n');
      expect(callerPart[0]).to.equal('Error');
      expect(callerPart[1]).to.match(/^ {4}at /);
      expect(callerPart.join('\n')).to.not.match(/unaryCall|captureCaller/);
      expect(callerPart.slice(1).filter((line) => /^ {4}at /.test(line))).to.have.length(10);
    });

    it('works on a stock grpc-js channel too: response, error status, deadline', async function () {
      const channel = new grpc.Channel(target, grpc.credentials.createInsecure(), {});
      try {
        const stock = createClient(StreamingService, channel);
        expect(await within(5000, 'act', stock.act({ value: 7n }))).to.include({ value: 7n });
        expect((await rpcError(stock.act({ failCode: Status.ABORTED, failDetails: 'no' }))).code).to.equal(Status.ABORTED);
        expect((await rpcError(stock.act({ hang: true }, { timeoutMs: 100 }))).code).to.equal(Status.DEADLINE_EXCEEDED);
      } finally {
        channel.close();
      }
    });

    it('does not go through grpc-js Client.makeUnaryRequest', async function () {
      const original = grpc.Client.prototype.makeUnaryRequest;
      let used = 0;
      grpc.Client.prototype.makeUnaryRequest = function (this: grpc.Client, ...args: Parameters<typeof original>) {
        used++;
        return original.apply(this, args);
      } as typeof original;
      try {
        await within(5000, 'ping', client.ping({}));
      } finally {
        grpc.Client.prototype.makeUnaryRequest = original;
      }
      expect(used).to.equal(0);
    });
  });
});

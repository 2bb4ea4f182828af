// What a call on the vmrpc HTTP/2 engine puts on the wire, seen by a server that records every
// header list and DATA frame (our engine in the server role, over a real Unix socket): the
// request headers as gRPC wants them, and a unary request as one DATA frame carrying END_STREAM.
// And what a reader that stops does to the server: the stream's window closes and the server
// waits, until the reader reads on.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createHash } from 'node:crypto';
import { createChannel, H2ErrorCode, type H2Stream, type HeaderList } from '@vmrpc/transport';
import { within } from '../support/checks.js';
import { engineServer, RecordingListener, type EngineServer } from './h2/peers.js';

const identity = (value: Buffer): Buffer => value;

function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function fields(list: HeaderList, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) values.push(list[i + 1]!);
  return values;
}

interface Request {
  headers: HeaderList;
  /** Each DATA frame's payload and END_STREAM flag, in order. */
  frames: Array<{ data: Buffer; endStream: boolean }>;
}

describe('calls on the vmrpc HTTP/2 engine, on the wire', () => {
  let server: EngineServer;
  let client: grpc.Client;
  const requests: Request[] = [];

  before(async () => {
    server = await engineServer({
      onStream(stream: H2Stream, headers: HeaderList) {
        const request: Request = { headers, frames: [] };
        requests.push(request);
        const listener = new RecordingListener();
        listener.stream = stream;
        listener.onDataHook = (data, endStream) => {
          request.frames.push({ data: Buffer.from(data), endStream });
          if (!endStream) return;
          // Echo the request's message, then the status in trailers.
          stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
          stream.sendData(Buffer.concat(request.frames.map((frame) => frame.data)), false);
          stream.sendHeaders(['grpc-status', '0'], true);
        };
        return listener;
      },
    });
    client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${server.path}`, { http2: 'vmrpc' }) });
  });

  after(async () => {
    client?.close();
    await server?.close();
  });

  it('a unary request: gRPC request headers with metadata, then one DATA frame with END_STREAM', async () => {
    const metadata = new grpc.Metadata();
    metadata.add('x-twice', 'one');
    metadata.add('x-twice', 'two');
    metadata.add('x-blob-bin', Buffer.from([0, 1, 2, 255]));
    const message = Buffer.from('hello engine');
    const answer = await within(5000, 'unary call', new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/wire.Test/Echo', identity, identity, message, metadata, { deadline: Date.now() + 60_000 }, (error, value) => (error ? reject(error) : resolve(value!))),
    ));
    expect(answer.toString()).to.equal('hello engine');
    const request = requests.at(-1)!;
    // Pseudo-header fields first, as HTTP/2 requires.
    expect(request.headers.slice(0, 8)).to.deep.equal([':method', 'POST', ':scheme', 'http', ':path', '/wire.Test/Echo', ':authority', 'localhost']);
    expect(fields(request.headers, 'content-type')).to.deep.equal(['application/grpc']);
    expect(fields(request.headers, 'te')).to.deep.equal(['trailers']);
    expect(fields(request.headers, 'user-agent')[0]).to.match(/vmrpc-transport\//);
    expect(fields(request.headers, 'x-twice')).to.deep.equal(['one', 'two']);
    expect(fields(request.headers, 'x-blob-bin')).to.deep.equal([Buffer.from([0, 1, 2, 255]).toString('base64')]);
    const [timeout] = fields(request.headers, 'grpc-timeout');
    expect(timeout).to.match(/^\d{1,8}[numSMH]$/);
    expect(request.frames).to.have.length(1);
    expect(request.frames[0]!.endStream).to.equal(true);
    expect(request.frames[0]!.data.equals(grpcFrame(message))).to.equal(true);
  });

  it('a call without metadata or deadline sends only the protocol headers', async () => {
    await within(5000, 'unary call', new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/wire.Test/Plain', identity, identity, Buffer.from('x'), (error, value) => (error ? reject(error) : resolve(value!))),
    ));
    const names = requests.at(-1)!.headers.filter((_, i) => i % 2 === 0);
    expect(names).to.deep.equal([':method', ':scheme', ':path', ':authority', 'content-type', 'te', 'user-agent', 'grpc-accept-encoding']);
  });
});

describe('a reader that stops, on the vmrpc HTTP/2 engine', () => {
  const MESSAGE = 64 << 10;
  const TOTAL = 256; // messages: 16 MiB, far beyond the 1 MiB stream window

  it('holds the server back (its window closes) until it reads on; every byte arrives', async () => {
    const payload = (i: number): Buffer => Buffer.alloc(MESSAGE, i % 251);
    let sent = 0;
    let drains = 0;
    /** The server's last sendData() said "wait for onDrain", and no onDrain came since. */
    let waiting = false;
    let serverStream: H2Stream | undefined;
    const write = (): void => {
      waiting = false;
      while (sent < TOTAL) {
        if (!serverStream!.sendData(grpcFrame(payload(sent++)), false)) return void (waiting = true);
      }
      serverStream!.sendHeaders(['grpc-status', '0'], true);
    };
    const server = await engineServer({
      onStream(stream: H2Stream, headers: HeaderList) {
        const listener = new RecordingListener();
        listener.stream = stream;
        if (fields(headers, ':path')[0] === '/wire.Test/Barrier') {
          listener.onDataHook = (_data, endStream) => {
            if (!endStream) return;
            stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
            stream.sendData(grpcFrame(Buffer.alloc(0)), false);
            stream.sendHeaders(['grpc-status', '0'], true);
          };
          return listener;
        }
        serverStream = stream;
        listener.onDataHook = (_data, endStream) => {
          if (!endStream) return;
          stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
          write();
        };
        listener.onDrain = () => {
          drains++;
          write();
        };
        return listener;
      },
    });
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${server.path}`, { http2: 'vmrpc' }) });
    const call = client.makeServerStreamRequest('/wire.Test/Flood', identity, identity, Buffer.alloc(0));
    try {
      call.pause();
      // A unary call on the same connection is a barrier: its response comes after the DATA the
      // server queued before it, and the next call's request after any WINDOW_UPDATE the client
      // sent for that DATA. Settled when the server waits through two barriers without a window;
      // a client that credits what nobody read lets the server send everything instead.
      const barrier = (): Promise<void> =>
        new Promise((resolve, reject) => client.makeUnaryRequest('/wire.Test/Barrier', identity, identity, Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
      await within(10_000, 'the server held back by a closed window', (async () => {
        for (let quiet = 0; quiet < 2; ) {
          if (sent >= TOTAL) throw new Error('the server sent every message while nobody read');
          const before = drains;
          await barrier();
          quiet = waiting && drains === before ? quiet + 1 : 0;
        }
      })());
      expect(sent, 'messages the server could send while nobody read').to.be.below(TOTAL / 4);
      const hash = createHash('sha256');
      let count = 0;
      await within(20_000, 'reading on', (async () => {
        for await (const message of call) {
          expect((message as Buffer)[0]).to.equal(count % 251);
          hash.update(message as Buffer);
          count++;
        }
      })());
      expect(count).to.equal(TOTAL);
      const expected = createHash('sha256');
      for (let i = 0; i < TOTAL; i++) expected.update(payload(i));
      expect(hash.digest('hex')).to.equal(expected.digest('hex'));
    } finally {
      call.on('error', () => undefined); // a failed test leaves the call unread
      client.close();
      await server.close();
    }
  });

  it('a cancelled call resets its stream with CANCEL', async () => {
    let resetSeen!: (code: number) => void;
    const reset = new Promise<number>((resolve) => (resetSeen = resolve));
    const server = await engineServer({
      onStream(stream: H2Stream) {
        const listener = new RecordingListener();
        listener.stream = stream;
        listener.onReset = (code) => resetSeen(code);
        stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
        return listener;
      },
    });
    const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${server.path}`, { http2: 'vmrpc' }) });
    try {
      const call = client.makeServerStreamRequest('/wire.Test/Hang', identity, identity, Buffer.alloc(0));
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => undefined);
      await within(5000, 'response headers', new Promise((resolve) => call.once('metadata', resolve)));
      call.cancel();
      expect((await within(5000, 'status', status)).code).to.equal(grpc.status.CANCELLED);
      expect(await within(5000, 'RST_STREAM at the server', reset)).to.equal(H2ErrorCode.CANCEL);
    } finally {
      client.close();
      await server.close();
    }
  });
});

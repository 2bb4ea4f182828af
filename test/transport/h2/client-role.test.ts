// Our engine in the client role against node:http2 (nghttp2) servers over Unix sockets.
import { H2ErrorCode, type H2Error } from '@vmrpc/transport';
import { expect } from 'chai';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { payload, sha256, socketPath, within } from '../../support/checks.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener, engineClient, grpcRequest, headerObject, nodeServer, type EngineSession, type NodeServer } from './peers.js';
import { PREFACE, RawPeer, rawFrame } from './raw.js';

async function readAll(stream: http2.Http2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Headers that defeat compression (random values), `count` of `size` bytes each. */
function bulkyHeaders(count: number, size: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`x-bulk-${i}`] = payload(size).data.toString('base64').slice(0, size);
  return out;
}

/** A server for one connection that speaks raw bytes (the test plays the HTTP/2 server). */
async function rawServer(): Promise<{ raw: Promise<RawPeer>; path: string }> {
  const path = socketPath('h2raw');
  let accept!: (peer: RawPeer) => void;
  const raw = new Promise<RawPeer>((resolve) => (accept = resolve));
  const server = net.createServer((socket) => {
    server.close();
    accept(new RawPeer(socket));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { raw, path };
}

async function ping(session: EngineSession['session']): Promise<number> {
  return within(5000, 'ping', new Promise<number>((resolve, reject) => session.ping((error, rtt) => (error ? reject(error) : resolve(rtt)))));
}

describe('h2 engine: client role against a node:http2 server', () => {
  let server: NodeServer | undefined;
  let client: EngineSession | undefined;
  afterEach(async () => {
    client?.session.destroy();
    if (client) await within(5000, 'client closed', client.closed);
    await server?.close();
    server = client = undefined;
  });
  checkLeaksAroundEachTest(); // after the cleanup above: mocha runs afterEach hooks in order

  it('DATA split across socket reads arrives in pieces; a stream reset between them gives the connection the whole frame back', async () => {
    const { raw, path } = await rawServer();
    client = await engineClient(path); // the connection's receive window: HTTP/2's default 65535
    const peer = await raw;
    await peer.frame('client SETTINGS', (frame) => frame.type === 0x4, PREFACE.length);
    peer.socket.write(rawFrame(0x4, 0, 0));
    const body = payload(16384).data;
    for (const id of [1, 3]) {
      const listener = new RecordingListener();
      listener.autoConsume = false; // nothing is credited unless the reset gives it back
      listener.onDataHook = () => listener.stream!.reset(H2ErrorCode.CANCEL);
      listener.stream = client.session.request(grpcRequest('/pieces'), true, listener);
      await peer.frame(`HEADERS of stream ${id}`, (frame) => frame.type === 0x1 && frame.streamId === id, PREFACE.length);
      const frame = rawFrame(0x0, 0, id, body);
      peer.socket.write(Buffer.concat([rawFrame(0x1, 0x4, id, Buffer.from([0x88])), frame.subarray(0, 9 + 1000)]));
      // The client saw the first piece alone (and reset the stream) before the rest is sent.
      await peer.frame(`RST_STREAM of stream ${id}`, (f) => f.type === 0x3 && f.streamId === id, PREFACE.length);
      expect(listener.chunks.map((chunk) => chunk.length)).to.deep.equal([1000]);
      peer.socket.write(frame.subarray(9 + 1000));
    }
    // Two whole frames (32768 bytes) credited to the connection: past half its window, one update.
    const update = await peer.frame('connection WINDOW_UPDATE', (frame) => frame.type === 0x8 && frame.streamId === 0, PREFACE.length);
    expect(update.payload.readUInt32BE(0)).to.equal(2 * 16384);
    // The reader is still in step: a stream after them gets its body whole.
    const last = new RecordingListener();
    last.stream = client.session.request(grpcRequest('/after'), true, last);
    await peer.frame('HEADERS of stream 5', (frame) => frame.type === 0x1 && frame.streamId === 5, PREFACE.length);
    const whole = rawFrame(0x0, 0x1, 5, body);
    peer.socket.write(Buffer.concat([rawFrame(0x1, 0x4, 5, Buffer.from([0x88])), whole.subarray(0, 5000)]));
    peer.socket.write(whole.subarray(5000));
    await within(5000, 'stream 5', last.done);
    expect(sha256(last.body)).to.equal(sha256(body));
    expect(client.session.closed).to.equal(false);
  });

  it('takes response headers split over CONTINUATION, Huffman-coded and indexed by nghttp2', async () => {
    const bulky = bulkyHeaders(40, 900); // ~36 KB: more than two 16 KiB frames
    server = await nodeServer((stream, headers) => {
      stream.respond({ ':status': 200, ...bulky, 'x-echo': String(headers['x-big-request']).length });
      stream.end();
    });
    client = await engineClient(server.path);
    const bigRequest = 'r'.repeat(40_000); // our own request headers need CONTINUATION too
    for (let round = 0; round < 3; round++) {
      const listener = new RecordingListener();
      listener.stream = client.session.request(grpcRequest('/a/b', ['x-big-request', bigRequest]), true, listener);
      await within(5000, `response ${round}`, listener.done);
      expect(listener.reset).to.equal(undefined);
      const received = headerObject(listener.headers[0]);
      expect(received[':status']).to.equal('200');
      expect(received['x-echo']).to.equal('40000');
      for (const [name, value] of Object.entries(bulky)) expect(received[name], `${name} in round ${round}`).to.equal(value);
    }
  });

  for (const size of [0, 1, 1 << 20, 16 << 20]) {
    it(`moves a ${size}-byte body each way with matching sha256`, async function () {
      this.timeout(60_000);
      const request = payload(size);
      const response = payload(size);
      server = await nodeServer((stream) => {
        void readAll(stream).then((body) => {
          stream.respond({ ':status': 200, 'x-hash': sha256(body), 'x-bytes': body.length });
          stream.end(response.data);
        });
      });
      client = await engineClient(server.path);
      const listener = new RecordingListener();
      listener.stream = client.session.request(grpcRequest('/bodies'), false, listener);
      listener.stream.sendData(request.data, true);
      await within(50_000, 'response', listener.done);
      expect(headerObject(listener.headers[0])).to.include({ 'x-hash': request.hash, 'x-bytes': String(size) });
      expect(listener.body.length).to.equal(size);
      expect(sha256(listener.body)).to.equal(response.hash);
    });
  }

  it('shares the connection window among 8 concurrent streams of 512 KiB each way', async function () {
    this.timeout(30_000);
    server = await nodeServer((stream) => {
      void readAll(stream).then((body) => {
        stream.respond({ ':status': 200, 'x-hash': sha256(body) });
        stream.end(body.reverse());
      });
    });
    client = await engineClient(server.path);
    const calls = Array.from({ length: 8 }, () => {
      const request = payload(512 * 1024);
      const listener = new RecordingListener();
      listener.stream = client!.session.request(grpcRequest('/many'), false, listener);
      for (let offset = 0; offset < request.data.length; offset += 100_000) {
        listener.stream.sendData(request.data.subarray(offset, offset + 100_000), offset + 100_000 >= request.data.length);
      }
      return { request, listener };
    });
    await within(20_000, 'all responses', Promise.all(calls.map((call) => call.listener.done)));
    for (const { request, listener } of calls) {
      expect(listener.reset).to.equal(undefined);
      expect(headerObject(listener.headers[0])['x-hash']).to.equal(request.hash);
      expect(sha256(listener.body)).to.equal(sha256(Buffer.from(request.data).reverse()));
    }
  });

  it("respects a server's small SETTINGS_INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE, and announces its own windows", async () => {
    const request = payload(300_000);
    const response = payload(4 << 20);
    server = await nodeServer((stream) => {
      void readAll(stream).then((body) => {
        stream.respond({ ':status': 200, 'x-hash': sha256(body) });
        stream.end(response.data);
      });
    }, { initialWindowSize: 1000, maxFrameSize: 16384 });
    let remote: { initialWindowSize: number } | undefined;
    client = await engineClient(server.path, {
      settings: { initialWindowSize: 1 << 20, maxFrameSize: 1 << 20 },
      connectionWindowBytes: 8 << 20,
      onRemoteSettings: (settings) => (remote = settings),
    });
    const listener = new RecordingListener();
    listener.stream = client.session.request(grpcRequest('/windows'), false, listener);
    listener.stream.sendData(request.data, true);
    await within(20_000, 'response', listener.done);
    expect(listener.reset).to.equal(undefined);
    expect(remote?.initialWindowSize).to.equal(1000);
    expect(headerObject(listener.headers[0])['x-hash']).to.equal(request.hash);
    expect(sha256(listener.body)).to.equal(response.hash);
  });

  it('stops at the high-water mark while the server does not read, and drains when it does', async () => {
    let serverStream: http2.ServerHttp2Stream | undefined;
    const arrived = new Promise<void>((resolve) => {
      void nodeServer((stream) => {
        serverStream = stream;
        stream.pause();
        resolve();
      }).then((started) => (server = started));
    });
    await within(5000, 'server', (async () => { while (server === undefined) await new Promise((resolve) => setImmediate(resolve)); })());
    client = await engineClient(server!.path, { highWaterMark: 64 * 1024 });
    const listener = new RecordingListener();
    const stream = client.session.request(grpcRequest('/slow'), false, listener);
    await within(5000, 'request arrives', arrived);
    const chunk = payload(16 * 1024).data;
    const sent: Buffer[] = [];
    let accepted = true;
    while (accepted) {
      sent.push(chunk);
      accepted = stream.sendData(chunk, false);
      if (sent.length > 64) break;
      await ping(client.session); // let windows and the socket settle before the next write
    }
    expect(accepted, 'sendData() returned false').to.equal(false);
    // Bound: the peer's stream window + what nghttp2/node buffer + our high-water mark, far below 1 MiB.
    expect(sent.length * chunk.length).to.be.below(1 << 20);
    await ping(client.session);
    expect(listener.drains, 'no onDrain while the server does not read').to.equal(0);
    const drained = new Promise<void>((resolve) => (listener.onDrain = () => resolve()));
    const body = readAll(serverStream!);
    await within(10_000, 'onDrain', drained);
    stream.sendData(chunk, true);
    sent.push(chunk);
    serverStream!.respond({ ':status': 200 });
    serverStream!.end();
    expect(sha256(await within(10_000, 'body', body))).to.equal(sha256(sent));
    await within(5000, 'response', listener.done);
  });

  it('reports the server\'s RST_STREAM, and resets a stream for the server', async () => {
    const serverCloses: number[] = [];
    const closed = new Promise<void>((resolve) => {
      void nodeServer((stream, headers) => {
        if (headers[':path'] === '/cancel-me') stream.close(http2.constants.NGHTTP2_CANCEL);
        stream.on('close', () => {
          serverCloses.push(stream.rstCode ?? -1);
          if (headers[':path'] === '/client-resets') resolve();
        });
      }).then((started) => (server = started));
    });
    await within(5000, 'server', (async () => { while (server === undefined) await new Promise((resolve) => setImmediate(resolve)); })());
    client = await engineClient(server!.path);
    const cancelled = new RecordingListener();
    client.session.request(grpcRequest('/cancel-me'), true, cancelled);
    await within(5000, 'reset', cancelled.done);
    expect(cancelled.reset).to.deep.equal({ code: H2ErrorCode.CANCEL, error: undefined });

    const ours = new RecordingListener();
    const stream = client.session.request(grpcRequest('/client-resets'), false, ours);
    await ping(client.session); // the server has the stream
    stream.reset(H2ErrorCode.CANCEL);
    expect(stream.closed).to.equal(true);
    await within(5000, 'server sees the reset', closed);
    expect(serverCloses).to.deep.equal([H2ErrorCode.CANCEL, H2ErrorCode.CANCEL]);
    expect(ours.reset, 'reset() calls no callback').to.equal(undefined);
    expect(client.session.activeStreams).to.equal(0);
  });

  it('measures PING round trips', async () => {
    server = await nodeServer(() => {});
    client = await engineClient(server.path);
    const rtts = await Promise.all([ping(client.session), ping(client.session), ping(client.session)]);
    for (const rtt of rtts) expect(rtt).to.be.a('number').and.at.least(0);
  });

  it('on a graceful GOAWAY finishes the open stream, opens no more, then closes', async () => {
    const goaways: Array<[number, number]> = [];
    server = await nodeServer((stream) => {
      stream.session!.close();
      stream.respond({ ':status': 200 });
      stream.end('done');
    });
    client = await engineClient(server.path, { onGoaway: (code, last) => goaways.push([code, last]) });
    const kept = new RecordingListener();
    let lateRequest: (() => unknown) | undefined;
    kept.onDataHook = () => (lateRequest = () => client!.session.request(grpcRequest('/late'), true, new RecordingListener()));
    client.session.request(grpcRequest('/kept'), true, kept);
    await within(5000, 'kept', kept.done);
    expect(lateRequest).to.throw(/draining|closed/);
    expect(kept.reset).to.equal(undefined);
    expect(kept.body.toString()).to.equal('done');
    expect(goaways.length).to.be.at.least(1); // nghttp2 may repeat it (RFC 9113, 6.8)
    for (const goaway of goaways) expect(goaway).to.deep.equal([0, 1]);
    expect(client.session.draining).to.equal(true);
    expect(await within(5000, 'session closes after the last stream', client.closed)).to.equal(undefined);
  });

  it('refuses the streams above a GOAWAY\'s last stream id with REFUSED_STREAM', async () => {
    const { raw, path } = await rawServer();
    client = await engineClient(path);
    const peer = await raw;
    await peer.frame('client SETTINGS', (frame) => frame.type === 0x4, PREFACE.length);
    peer.socket.write(rawFrame(0x4, 0, 0));
    const kept = new RecordingListener();
    const refused = new RecordingListener();
    client.session.request(grpcRequest('/kept'), true, kept);
    client.session.request(grpcRequest('/refused'), true, refused);
    await peer.frame('HEADERS of stream 3', (frame) => frame.type === 0x1 && frame.streamId === 3, PREFACE.length);
    const goaway = Buffer.alloc(8);
    goaway.writeUInt32BE(1, 0);
    peer.socket.write(rawFrame(0x7, 0, 0, goaway));
    await within(5000, 'refused', refused.done);
    expect(refused.reset?.code).to.equal(H2ErrorCode.REFUSED_STREAM);
    expect(kept.reset).to.equal(undefined);
    peer.socket.write(rawFrame(0x1, 0x5, 1, Buffer.from([0x88]))); // :status 200 (static index 8), END_STREAM
    await within(5000, 'kept', kept.done);
    expect(headerObject(kept.headers[0])).to.deep.equal({ ':status': '200' });
    expect(await within(5000, 'session closes after the last stream', client.closed)).to.equal(undefined);
    await within(5000, 'raw peer sees the close', peer.closed);
  });

  it('when the socket is destroyed mid-stream, every stream is reset once and onClose fires once', async () => {
    server = await nodeServer(() => {});
    let closes = 0;
    client = await engineClient(server.path, { onClose: () => closes++ });
    const listeners = [new RecordingListener(), new RecordingListener(), new RecordingListener()];
    let resets = 0;
    for (const listener of listeners) {
      const onReset = listener.onReset.bind(listener);
      listener.onReset = (code, error) => {
        resets++;
        onReset(code, error);
      };
      client.session.request(grpcRequest('/hang'), false, listener);
    }
    await ping(client.session);
    client.socket.destroy();
    const error = await within(5000, 'closed', client.closed);
    expect((error as H2Error).code).to.equal('ERR_VMRPC_HTTP2_SESSION_CLOSED');
    expect(error?.message).to.match(/3 streams open/);
    expect(resets).to.equal(3);
    for (const listener of listeners) expect((listener.reset?.error as H2Error).code).to.equal('ERR_VMRPC_HTTP2_SESSION_CLOSED');
    expect(closes).to.equal(1);
    expect(client.session.closed).to.equal(true);
    expect(() => client!.session.request(grpcRequest('/after'), true, new RecordingListener())).to.throw(/closed/);
  });

  it('resets a stream whose response headers are malformed (an upper-case name), and keeps the session', async () => {
    const { raw: accepted, path } = await rawServer();
    client = await engineClient(path);
    const raw = await within(5000, 'accept', accepted);
    await raw.frame('client SETTINGS', (frame) => frame.type === 0x4, PREFACE.length);
    raw.socket.write(rawFrame(0x4, 0, 0));
    const listener = new RecordingListener();
    client.session.request(grpcRequest('/upper'), true, listener);
    await raw.frame('HEADERS', (frame) => frame.type === 0x1, PREFACE.length);
    const block = Buffer.concat([Buffer.from([0x88, 0x00, 7]), Buffer.from('X-Upper'), Buffer.from([1]), Buffer.from('v')]);
    raw.socket.write(rawFrame(0x1, 0x4, 1, block));
    await within(5000, 'reset', listener.done);
    expect(listener.headers).to.deep.equal([]);
    expect(listener.reset?.code).to.equal(H2ErrorCode.PROTOCOL_ERROR);
    expect(listener.reset?.error?.message).to.equal('malformed header list on stream 1: header name "X-Upper" has upper-case letters');
    const rst = await raw.frame('RST_STREAM', (frame) => frame.type === 0x3, PREFACE.length);
    expect(rst.payload.readUInt32BE(0)).to.equal(H2ErrorCode.PROTOCOL_ERROR);
    expect(client.session.closed).to.equal(false);
  });

  it('answers a frame larger than its SETTINGS_MAX_FRAME_SIZE with GOAWAY(FRAME_SIZE_ERROR) and closes', async () => {
    const { raw: accepted, path } = await rawServer();
    client = await engineClient(path);
    const raw = await within(5000, 'accept', accepted);
    await raw.frame('client SETTINGS', (frame) => frame.type === 0x4, PREFACE.length);
    raw.socket.write(Buffer.concat([rawFrame(0x4, 0, 0), rawFrame(0x0, 0, 1, Buffer.alloc(16385))]));
    const goaway = await raw.frame('GOAWAY', (frame) => frame.type === 0x7, PREFACE.length);
    expect(goaway.payload.readUInt32BE(4)).to.equal(H2ErrorCode.FRAME_SIZE_ERROR);
    const error = (await within(5000, 'closed', client.closed)) as H2Error;
    expect(error.code).to.equal('ERR_VMRPC_HTTP2_PROTOCOL');
    expect(error.h2Code).to.equal(H2ErrorCode.FRAME_SIZE_ERROR);
    expect(error.message).to.equal('DATA frame of 16385 bytes is larger than SETTINGS_MAX_FRAME_SIZE (16384)');
    await within(5000, 'raw peer sees the close', raw.closed);
  });
});

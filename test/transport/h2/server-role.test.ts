// Our engine in the server role against node:http2 (nghttp2) clients over Unix sockets, and
// against raw bytes for what a well-behaved client never sends.
import { H2ErrorCode, type H2Error, type H2Stream, type HeaderList } from '@vmrpc/transport';
import { expect } from 'chai';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { payload, sha256, within } from '../../support/checks.js';
import { HpackEncoder } from './internals.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener, engineServer, headerObject, nodeClient, type EngineServer } from './peers.js';
import { PREFACE, RawPeer, rawFrame } from './raw.js';

async function readAll(stream: http2.Http2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function grpcHeaders(path: string, extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders {
  return { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extra };
}

/** Each request's stream, headers and listener, as the server saw them. */
interface Arrival {
  stream: H2Stream;
  headers: HeaderList;
  listener: RecordingListener;
}

describe('h2 engine: server role against a node:http2 client', () => {
  let server: EngineServer | undefined;
  let client: http2.ClientHttp2Session | undefined;
  let arrivals: Arrival[] = [];
  let onArrival: ((arrival: Arrival) => void) | undefined;
  async function start(options: Parameters<typeof engineServer>[0] = {}): Promise<EngineServer> {
    arrivals = [];
    server = await engineServer({
      ...options,
      onStream(stream, headers, endStream) {
        const listener = new RecordingListener();
        listener.stream = stream;
        listener.onHeaders(headers, endStream); // the request headers count as the stream's first block
        const arrival = { stream, headers, listener };
        arrivals.push(arrival);
        onArrival?.(arrival);
        return listener;
      },
    });
    return server;
  }
  afterEach(async () => {
    if (client) client.destroy();
    await server?.close();
    server = client = onArrival = undefined;
  });
  checkLeaksAroundEachTest();

  it('takes request headers split over CONTINUATION, Huffman-coded and indexed by nghttp2, and answers with big headers', async () => {
    const bulky: Record<string, string> = {};
    for (let i = 0; i < 30; i++) bulky[`x-bulk-${i}`] = payload(900).data.toString('base64').slice(0, 900);
    onArrival = ({ stream, listener }) => void listener.done.then(() => {
      const response: HeaderList = [':status', '200'];
      for (const [name, value] of Object.entries(bulky)) response.push(name, value);
      stream.sendHeaders(response, true);
    });
    await start();
    client = await nodeClient(server!.path);
    for (let round = 0; round < 3; round++) {
      const stream = client.request(grpcHeaders('/svc/Big', bulky), { endStream: true });
      const response = await within(5000, 'response', new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve)));
      for (const [name, value] of Object.entries(bulky)) expect(response[name], `response ${name}`).to.equal(value);
      const seen = headerObject(arrivals[round].headers);
      expect(seen).to.include({ ':method': 'POST', ':path': '/svc/Big', ':scheme': 'http', 'content-type': 'application/grpc' });
      for (const [name, value] of Object.entries(bulky)) expect(seen[name], `request ${name} round ${round}`).to.equal(value);
      await readAll(stream);
    }
  });

  for (const size of [0, 1, 1 << 20, 16 << 20]) {
    it(`moves a ${size}-byte body each way with matching sha256`, async function () {
      this.timeout(60_000);
      const request = payload(size);
      const response = payload(size);
      onArrival = ({ stream, listener }) => void listener.done.then(() => {
        stream.sendHeaders([':status', '200', 'x-hash', sha256(listener.body), 'x-bytes', String(listener.body.length)], false);
        stream.sendData(response.data, false);
        stream.sendHeaders(['grpc-status', '0'], true);
      });
      await start();
      client = await nodeClient(server!.path);
      const stream = client.request(grpcHeaders('/svc/Body'));
      const head = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve));
      stream.end(request.data);
      const body = await within(50_000, 'body', readAll(stream));
      expect(await head).to.include({ 'x-hash': request.hash, 'x-bytes': String(size) });
      expect(await trailers).to.include({ 'grpc-status': '0' });
      expect(sha256(body)).to.equal(response.hash);
    });
  }

  it('serves 8 concurrent streams of 512 KiB each way on one connection', async function () {
    this.timeout(30_000);
    onArrival = ({ stream, listener }) => void listener.done.then(() => {
      stream.sendHeaders([':status', '200', 'x-hash', sha256(listener.body)], false);
      const body = Buffer.from(listener.body).reverse();
      for (let offset = 0; offset < body.length; offset += 100_000) stream.sendData(body.subarray(offset, offset + 100_000), false);
      stream.sendHeaders(['grpc-status', '0'], true);
    });
    await start();
    client = await nodeClient(server!.path);
    const results = await within(20_000, 'all calls', Promise.all(Array.from({ length: 8 }, async () => {
      const request = payload(512 * 1024);
      const stream = client!.request(grpcHeaders('/svc/Many'));
      const head = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
      stream.end(request.data);
      const body = await readAll(stream);
      return { request, body, head: await head };
    })));
    for (const { request, body, head } of results) {
      expect(head['x-hash']).to.equal(request.hash);
      expect(sha256(body)).to.equal(sha256(Buffer.from(request.data).reverse()));
    }
  });

  it('stops at the high-water mark while the client does not read, and drains when it does', async () => {
    const arrived = new Promise<Arrival>((resolve) => (onArrival = resolve));
    await start({ highWaterMark: 64 * 1024 });
    client = await nodeClient(server!.path);
    const request = client.request(grpcHeaders('/svc/Slow'), { endStream: true });
    request.pause();
    const { stream, listener } = await within(5000, 'arrival', arrived);
    stream.sendHeaders([':status', '200'], false);
    const chunk = payload(16 * 1024).data;
    const sent: Buffer[] = [];
    let accepted = true;
    const pingClient = (): Promise<void> => within(5000, 'ping', new Promise<void>((resolve, reject) => client!.ping((error) => (error ? reject(error) : resolve()))));
    while (accepted && sent.length <= 64) {
      sent.push(chunk);
      accepted = stream.sendData(chunk, false);
      await pingClient();
    }
    expect(accepted, 'sendData() returned false').to.equal(false);
    expect(sent.length * chunk.length).to.be.below(1 << 20);
    await pingClient();
    expect(listener.drains).to.equal(0);
    const drained = new Promise<void>((resolve) => (listener.onDrain = () => resolve()));
    const body = readAll(request);
    await within(10_000, 'onDrain', drained);
    stream.sendData(chunk, true);
    sent.push(chunk);
    expect(sha256(await within(10_000, 'body', body))).to.equal(sha256(sent));
  });

  it("reports the client's RST_STREAM, and resets a stream for the client", async () => {
    await start();
    client = await nodeClient(server!.path);
    const cancelled = client.request(grpcHeaders('/svc/CancelMe'));
    cancelled.on('error', () => {});
    await within(5000, 'arrival', (async () => { while (arrivals.length < 1) await new Promise((resolve) => setImmediate(resolve)); })());
    cancelled.close(http2.constants.NGHTTP2_CANCEL);
    await within(5000, 'reset', arrivals[0].listener.done);
    expect(arrivals[0].listener.reset).to.deep.equal({ code: H2ErrorCode.CANCEL, error: undefined });

    const resetByUs = client.request(grpcHeaders('/svc/ResetByServer'));
    resetByUs.on('error', () => {});
    const closed = new Promise<number>((resolve) => resetByUs.once('close', () => resolve(resetByUs.rstCode ?? -1)));
    await within(5000, 'arrival', (async () => { while (arrivals.length < 2) await new Promise((resolve) => setImmediate(resolve)); })());
    arrivals[1].stream.reset(H2ErrorCode.INTERNAL_ERROR);
    expect(await within(5000, 'client sees the reset', closed)).to.equal(H2ErrorCode.INTERNAL_ERROR);
    expect(arrivals[1].listener.reset).to.equal(undefined);
    expect(server!.sessions[0].session.activeStreams).to.equal(0);
  });

  it("answers the client's PING and measures its own", async () => {
    await start();
    client = await nodeClient(server!.path);
    const clientRtt = await within(5000, 'client ping', new Promise<number>((resolve, reject) => client!.ping((error, duration) => (error ? reject(error) : resolve(duration)))));
    expect(clientRtt).to.be.at.least(0);
    const { session } = await server!.firstSession;
    const rtt = await within(5000, 'server ping', new Promise<number>((resolve, reject) => session.ping((error, ms) => (error ? reject(error) : resolve(ms)))));
    expect(rtt).to.be.at.least(0);
  });

  it('drain(): GOAWAY to the client, the open stream finishes, then the socket closes', async () => {
    const arrived = new Promise<Arrival>((resolve) => (onArrival = resolve));
    await start();
    client = await nodeClient(server!.path);
    const goaway = new Promise<number>((resolve) => client!.once('goaway', (code: number) => resolve(code)));
    const request = client.request(grpcHeaders('/svc/Long'), { endStream: true });
    const { stream } = await within(5000, 'arrival', arrived);
    const { session, closed } = server!.sessions[0];
    session.drain();
    expect(session.draining).to.equal(true);
    expect(await within(5000, 'goaway', goaway)).to.equal(0);
    expect(session.closed).to.equal(false);
    stream.sendHeaders([':status', '200'], false);
    stream.sendData(Buffer.from('late but whole'), true);
    expect((await within(5000, 'body', readAll(request))).toString()).to.equal('late but whole');
    expect(await within(5000, 'session closed', closed)).to.equal(undefined);
  });

  it("the client's GOAWAY ends the session once its streams are done", async () => {
    const goaways: number[] = [];
    await start({ onGoaway: (code) => goaways.push(code) });
    client = await nodeClient(server!.path);
    const request = client.request(grpcHeaders('/svc/Echo'), { endStream: true });
    await within(5000, 'arrival', (async () => { while (arrivals.length < 1) await new Promise((resolve) => setImmediate(resolve)); })());
    const clientClosed = new Promise<void>((resolve) => client!.close(() => resolve()));
    const { closed } = server!.sessions[0];
    arrivals[0].stream.sendHeaders([':status', '200'], true);
    await within(5000, 'response', readAll(request));
    await within(5000, 'client closed', clientClosed);
    expect(await within(5000, 'session closed', closed)).to.equal(undefined);
    expect(goaways).to.include(0);
  });

  it('when the client vanishes mid-stream, every stream is reset once and onClose fires once', async () => {
    let closes = 0;
    await start({ onClose: () => closes++ });
    let rawSocket: net.Socket | undefined;
    client = await nodeClient(server!.path, { createConnection: () => (rawSocket = net.connect(server!.path)) });
    for (let i = 0; i < 3; i++) client.request(grpcHeaders('/svc/Hang')).on('error', () => {});
    await within(5000, 'arrivals', (async () => { while (arrivals.length < 3) await new Promise((resolve) => setImmediate(resolve)); })());
    let resets = 0;
    for (const { listener } of arrivals) {
      const onReset = listener.onReset.bind(listener);
      listener.onReset = (code, error) => {
        resets++;
        onReset(code, error);
      };
    }
    rawSocket!.destroy();
    const error = (await within(5000, 'closed', server!.sessions[0].closed)) as H2Error;
    // The socket's own error (ECONNRESET) when it reports one, else the engine's.
    expect(error.code).to.be.oneOf(['ECONNRESET', 'ERR_VMRPC_HTTP2_SESSION_CLOSED']);
    for (const { listener } of arrivals) expect(listener.reset?.error).to.equal(error);
    expect(resets).to.equal(3);
    expect(closes).to.equal(1);
  });

  it('refuses streams beyond SETTINGS_MAX_CONCURRENT_STREAMS with REFUSED_STREAM', async () => {
    await start({ settings: { maxConcurrentStreams: 1 } });
    const peer = await RawPeer.connect(server!.path);
    const block = new HpackEncoder().encode([':method', 'POST', ':scheme', 'http', ':path', '/svc/One', ':authority', 'x']);
    peer.socket.write(Buffer.concat([PREFACE, rawFrame(0x4, 0, 0), rawFrame(0x1, 0x4, 1, block), rawFrame(0x1, 0x4, 3, block)]));
    const rst = await peer.frame('RST_STREAM on stream 3', (frame) => frame.type === 0x3 && frame.streamId === 3);
    expect(rst.payload.readUInt32BE(0)).to.equal(H2ErrorCode.REFUSED_STREAM);
    expect(arrivals.map((arrival) => arrival.stream.id)).to.deep.equal([1]);
    peer.socket.end();
    await within(5000, 'raw peer closed', peer.closed);
  });

  it('closes a connection that does not start with the client preface, naming what arrived', async () => {
    await start();
    const peer = await RawPeer.connect(server!.path);
    peer.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const error = (await within(5000, 'closed', server!.sessions[0].closed)) as H2Error;
    expect(error.code).to.equal('ERR_VMRPC_HTTP2_PROTOCOL');
    expect(error.message).to.equal('the peer did not send the HTTP/2 client preface: it began with "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"');
    await within(5000, 'raw peer closed', peer.closed);
  });

  it('answers a frame larger than its SETTINGS_MAX_FRAME_SIZE with GOAWAY(FRAME_SIZE_ERROR)', async () => {
    await start();
    const peer = await RawPeer.connect(server!.path);
    peer.socket.write(Buffer.concat([PREFACE, rawFrame(0x4, 0, 0), rawFrame(0x6, 0, 0, Buffer.alloc(20000))]));
    const goaway = await peer.frame('GOAWAY', (frame) => frame.type === 0x7);
    expect(goaway.payload.readUInt32BE(4)).to.equal(H2ErrorCode.FRAME_SIZE_ERROR);
    const error = (await within(5000, 'closed', server!.sessions[0].closed)) as H2Error;
    expect(error.message).to.equal('PING frame of 20000 bytes is larger than SETTINGS_MAX_FRAME_SIZE (16384)');
    await within(5000, 'raw peer closed', peer.closed);
  });

});

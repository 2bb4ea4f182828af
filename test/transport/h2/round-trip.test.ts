// The engine against node:http2 (nghttp2) in both roles: a gRPC-shaped request/response with
// response headers, a body each way and trailers.
import { expect } from 'chai';
import type * as http2 from 'node:http2';
import { payload, sha256, within } from '../../support/checks.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener, closeNodeClient, engineClient, engineServer, grpcRequest, headerObject, nodeClient, nodeServer } from './peers.js';

async function readAll(stream: http2.Http2Stream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('h2 engine: round trips with node:http2', () => {
  checkLeaksAroundEachTest();

  it('our client role: request, response headers, body both ways, trailers', async () => {
    const request = payload(1000);
    const response = payload(3000);
    const server = await nodeServer((stream, headers) => {
      void readAll(stream).then((body) => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-request-hash': sha256(body), 'x-path': String(headers[':path']) }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'fine' }));
        stream.end(response.data);
      });
    });
    const client = await engineClient(server.path);
    const listener = new RecordingListener();
    listener.stream = client.session.request(grpcRequest('/pkg.Service/Method', ['x-custom', 'value']), false, listener);
    listener.stream.sendData(request.data, true);
    await within(5000, 'response', listener.done);
    expect(listener.reset).to.equal(undefined);
    expect(listener.headers).to.have.length(2);
    const head = headerObject(listener.headers[0]);
    expect(head[':status']).to.equal('200');
    expect(head['x-request-hash']).to.equal(request.hash);
    expect(head['x-path']).to.equal('/pkg.Service/Method');
    expect(headerObject(listener.headers[1])).to.include({ 'grpc-status': '0', 'grpc-message': 'fine' });
    expect(sha256(listener.body)).to.equal(response.hash);
    expect(listener.stream.closed).to.equal(true);
    expect(client.session.activeStreams).to.equal(0);
    client.session.drain();
    expect(await within(5000, 'client close', client.closed)).to.equal(undefined);
    await server.close();
  });

  it('our server role: a node:http2 client gets headers, body and trailers', async () => {
    const request = payload(2000);
    const response = payload(5000);
    const server = await engineServer({
      onStream(stream, headers) {
        const listener = new RecordingListener();
        listener.stream = stream;
        void listener.done.then(() => {
          stream.sendHeaders([':status', '200', 'content-type', 'application/grpc', 'x-request-hash', sha256(listener.body), 'x-path', headerObject(headers)[':path']], false);
          stream.sendData(response.data, false);
          stream.sendHeaders(['grpc-status', '0'], true);
        });
        return listener;
      },
    });
    const client = await nodeClient(server.path);
    const stream = client.request({ ':method': 'POST', ':path': '/pkg.Service/Other', 'content-type': 'application/grpc', te: 'trailers' });
    const responseHeaders = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve));
    stream.end(request.data);
    const body = await within(5000, 'body', readAll(stream));
    expect(await responseHeaders).to.include({ ':status': 200, 'x-request-hash': request.hash, 'x-path': '/pkg.Service/Other' });
    expect(await trailers).to.include({ 'grpc-status': '0' });
    expect(sha256(body)).to.equal(response.hash);
    await closeNodeClient(client);
    await server.close();
  });

  it('engine to engine: a unary exchange costs one socket write per side', async () => {
    const server = await engineServer({
      onStream(stream) {
        const listener = new RecordingListener();
        listener.stream = stream;
        listener.onDataHook = (_data, endStream) => {
          if (!endStream) return;
          stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
          stream.sendData(Buffer.alloc(21, 1), false);
          stream.sendHeaders(['grpc-status', '0'], true);
        };
        return listener;
      },
    });
    const client = await engineClient(server.path);
    const exchange = async (): Promise<RecordingListener> => {
      const listener = new RecordingListener();
      listener.stream = client.session.request(grpcRequest('/pkg.Service/Unary'), false, listener);
      listener.stream.sendData(Buffer.alloc(21, 2), true);
      await within(5000, 'exchange', listener.done);
      return listener;
    };
    await exchange(); // the handshake's SETTINGS and ACKs go out around the first exchange
    await within(5000, 'ping', new Promise((resolve) => client.session.ping(resolve)));
    const serverSocket = (await server.firstSession).socket;
    const writes = { client: 0, server: 0 };
    const count = (socket: typeof serverSocket, side: 'client' | 'server'): void => {
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        writes[side]++;
        return write(...args);
      }) as typeof socket.write;
    };
    count(client.socket, 'client');
    count(serverSocket, 'server');
    for (let i = 0; i < 10; i++) {
      const listener = await exchange();
      expect(listener.headers.map(headerObject)).to.deep.equal([{ ':status': '200', 'content-type': 'application/grpc' }, { 'grpc-status': '0' }]);
      expect(listener.body).to.deep.equal(Buffer.alloc(21, 1));
    }
    expect(writes).to.deep.equal({ client: 10, server: 10 });
    client.session.destroy();
    await within(5000, 'client closed', client.closed);
    await server.close();
  });
});

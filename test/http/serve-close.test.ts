/**
 * serve()'s listener.close(graceMs) over Unix sockets: a response in progress ends its keep-alive
 * connection (Connection: close) instead of keeping it until keepAliveTimeout; graceMs is checked
 * (Infinity waits, with no timer); only this listener's connections are closed, and a server that
 * listens on TCP as well (decided at close(), not at serve()) keeps serving there.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { VmHttpAgent, VmHttpsAgent, http2Connector, serve, type VmHttpListener } from '@vmrpc/http';
import { activeResourceCounts, cleanupsWithoutFdLeaks, rejection, socketPath, within } from '../support/checks.js';
import { makeLocalhostCertificate } from '../support/tls.js';
import { request } from './support/http-client.js';

/** An HTTP/1.1 server whose responses wait until the test releases them. */
type HeldResponse = http.ServerResponse | http2.Http2ServerResponse;

/** A request handler that holds every response until the test ends it. */
function holdResponses() {
  const held: HeldResponse[] = [];
  let onHeld: () => void = () => undefined;
  const handler = (_req: unknown, res: HeldResponse): void => {
    held.push(res);
    onHeld();
  };
  /** Resolves once `count` responses are held. */
  const holding = (count: number) => within(10_000, 'requests reaching the server', new Promise<void>((resolve) => {
    onHeld = () => held.length >= count && resolve();
    onHeld();
  }));
  return { handler, held, holding };
}

function heldServer(options: http.ServerOptions = {}) {
  const { handler, held, holding } = holdResponses();
  const server = http.createServer({ keepAliveTimeout: 60_000, ...options }, handler);
  return { server, held, holding };
}

describe('serve(): listener.close()', function () {
  const cleanups = cleanupsWithoutFdLeaks();

  async function served(server: http.Server | https.Server | http2.Http2Server): Promise<{ listener: VmHttpListener; target: string }> {
    const target = `unix:${socketPath('close')}`;
    const listener = await serve(server, target);
    cleanups.push(() => listener.close(0));
    return { listener, target };
  }

  /** A keep-alive HTTPS/1.1 request held at `server` while the listener closes: it ends with Connection: close. */
  async function closeDuringHttpsResponse(server: https.Server | http2.Http2SecureServer, ca: string | Buffer, held: HeldResponse[], holding: (count: number) => Promise<void>): Promise<void> {
    const { listener, target } = await served(server);
    const agent = new VmHttpsAgent({ target, ca, keepAlive: true });
    cleanups.push(() => agent.destroy());
    const reply = request('https://localhost/', { agent }, undefined, 10_000);
    await holding(1);
    const closed = listener.close(20_000);
    held[0]!.end('done');
    expect((await reply).headers.connection).to.equal('close');
    await within(2000, 'close()', closed);
  }

  function agentFor(target: string): VmHttpAgent {
    const agent = new VmHttpAgent({ target, keepAlive: true });
    cleanups.push(() => agent.destroy());
    return agent;
  }

  it('a keep-alive response in progress carries Connection: close and close() resolves right after it', async function () {
    const { server, held, holding } = heldServer();
    const { listener, target } = await served(server);
    const agent = agentFor(target);
    const reply = request('http://guest/', { agent }, undefined, 5000);
    await holding(1);
    const closed = listener.close(20_000);
    held[0]!.end('done');
    expect((await reply).headers.connection).to.equal('close');
    // Not keepAliveTimeout (60 s) later, nor at graceMs.
    await within(2000, 'close()', closed);
    // The connection is gone: a next request finds no pooled socket and no listener.
    const error = await rejection(request('http://guest/', { agent }, undefined, 5000));
    expect(error.code).to.be.oneOf(['ENOENT', 'ECONNREFUSED']);
  });

  it('HTTPS: a keep-alive response in progress on a TLS connection carries Connection: close', async function () {
    this.timeout(30_000);
    const cert = makeLocalhostCertificate();
    const { handler, held, holding } = holdResponses();
    const server = https.createServer({ cert: cert.cert, key: cert.key, keepAliveTimeout: 60_000 }, handler);
    await closeDuringHttpsResponse(server, cert.cert, held, holding);
  });

  it('HTTP/1.1 on an HTTP/2 server with allowHTTP1: a keep-alive response in progress carries Connection: close', async function () {
    this.timeout(30_000);
    const cert = makeLocalhostCertificate();
    const { handler, held, holding } = holdResponses();
    const server = http2.createSecureServer({ cert: cert.cert, key: cert.key, allowHTTP1: true }, handler);
    // Also on TCP: close() must then end its own connections itself (the server keeps listening).
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await closeDuringHttpsResponse(server, cert.cert, held, holding);
  });

  it('close(Infinity) lets a request finish however long it takes, with no timer', async function () {
    const { server, held, holding } = heldServer();
    const { listener, target } = await served(server);
    const reply = request('http://guest/', { agent: agentFor(target) }, undefined, 5000);
    await holding(1);
    const timersBefore = activeResourceCounts().Timeout ?? 0;
    const closed = listener.close(Infinity);
    expect(activeResourceCounts().Timeout ?? 0, 'timers armed by close(Infinity)').to.equal(timersBefore);
    held[0]!.end('finished');
    expect((await reply).body.toString()).to.equal('finished');
    await within(2000, 'close()', closed);
  });

  it('rejects a graceMs that is not 0..2147483647 or Infinity, and keeps serving', async function () {
    const server = http.createServer((_req, res) => res.end('still here'));
    const { listener, target } = await served(server);
    for (const bad of [NaN, -1, 2 ** 31]) {
      const error = await rejection(listener.close(bad));
      expect(error, String(bad)).to.be.instanceOf(RangeError);
      expect(error.code, String(bad)).to.equal('ERR_OUT_OF_RANGE');
      expect(error.message).to.match(/graceMs must be from 0 to 2147483647 ms, or Infinity/);
    }
    const typeError = await rejection(listener.close('5' as never));
    expect(typeError.code).to.equal('ERR_INVALID_ARG_TYPE');
    expect((await request('http://guest/', { agent: agentFor(target) })).body.toString()).to.equal('still here');
  });

  it('a server that listens on TCP after serve() keeps its TCP listener and TCP connections', async function () {
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end('tcp or vm'));
    const { listener, target } = await served(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const tcpAgent = new http.Agent({ keepAlive: true });
    cleanups.push(() => tcpAgent.destroy());
    const first = await request(`http://127.0.0.1:${port}/`, { agent: tcpAgent });
    await request('http://guest/', { agent: agentFor(target) });
    await within(2000, 'close()', listener.close(1000));
    expect(server.listening).to.equal(true);
    // The idle keep-alive TCP connection was not closed with the VM listener's.
    const second = await request(`http://127.0.0.1:${port}/`, { agent: tcpAgent });
    expect(second.reused).to.equal(true);
    expect(second.socket).to.equal(first.socket);
  });

  it('HTTP/2 on an allowHTTP1 server with a request handler: a stream in progress finishes after the GOAWAY', async function () {
    this.timeout(30_000);
    const cert = makeLocalhostCertificate();
    const { handler, held, holding } = holdResponses();
    const server = http2.createSecureServer({ cert: cert.cert, key: cert.key, allowHTTP1: true }, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { listener, target } = await served(server);
    const session = http2.connect('https://localhost', { createConnection: http2Connector(target, { tls: { ca: cert.cert } }) });
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':path': '/' });
    const body: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => body.push(chunk));
    const ended = once(stream, 'end');
    await holding(1);
    const goaway = once(session, 'goaway');
    const closed = listener.close(20_000);
    await within(2000, 'GOAWAY', goaway);
    held[0]!.end('done');
    await within(5000, 'the response', ended);
    expect(Buffer.concat(body).toString()).to.equal('done');
    await within(2000, 'close()', closed);
  });

  it("a secure HTTP/2 server on the stream API stays off node's compatibility API (its trailers are its own)", async function () {
    this.timeout(30_000);
    const cert = makeLocalhostCertificate();
    const server = http2.createSecureServer({ cert: cert.cert, key: cert.key });
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-done': 'yes' }));
      stream.end('body');
    });
    const { target } = await served(server);
    expect(server.listenerCount('request'), "serve() must not add a 'request' listener to an HTTP/2 server").to.equal(0);
    const session = http2.connect('https://localhost', { createConnection: http2Connector(target, { tls: { ca: cert.cert } }) });
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':path': '/' });
    stream.resume();
    const [trailers] = (await within(5000, 'trailers', once(stream, 'trailers'))) as [http2.IncomingHttpHeaders];
    expect(trailers['x-done']).to.equal('yes');
  });

  it('HTTP/2: a session on the VM listener gets a GOAWAY while the server also listens on TCP', async function () {
    const server = http2.createServer();
    server.on('stream', (stream) => stream.respond({ ':status': 200 }, { endStream: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { listener, target } = await served(server);
    const session = http2.connect('http://guest', { createConnection: http2Connector(target) });
    cleanups.push(() => session.destroy());
    await within(5000, 'session', once(session, 'remoteSettings'));
    const goaway = once(session, 'goaway');
    await within(2000, 'close()', listener.close(20_000));
    await within(2000, 'GOAWAY', goaway);
    expect(server.listening).to.equal(true);
  });
});

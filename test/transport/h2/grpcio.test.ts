// The engine against Python grpcio, whose HTTP/2 is gRPC core's own (chttp2), not nghttp2: our
// server role answers a grpcio client's unary calls, our client role calls a grpcio server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { payload, sha256, socketPath, within } from '../../support/checks.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener, engineClient, engineServer, grpcRequest, headerObject } from './peers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../../test/transport/h2/grpcio_peer.py');
const PYTHON = '/usr/bin/python3';

/** A gRPC message: the 5-byte prefix (uncompressed) and the bytes. */
function grpcMessage(data: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(data.length, 1);
  return Buffer.concat([prefix, data]);
}

function output(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}

describe('h2 engine: Python grpcio peers (chttp2)', function () {
  this.timeout(40_000);
  before(function () {
    if (spawnSync(PYTHON, ['-c', 'import grpc'], { stdio: 'ignore' }).status !== 0) {
      if (process.env.CI === 'true') throw new Error('python3-grpcio is needed (apt-get install python3-grpcio)');
      this.skip();
    }
  });
  checkLeaksAroundEachTest();

  for (const size of [0, 100, 1 << 20]) {
    it(`our server role answers a grpcio unary call of ${size} bytes`, async () => {
      const server = await engineServer({
        onStream(stream, headers) {
          const listener = new RecordingListener();
          listener.stream = stream;
          const request = headerObject(headers);
          void listener.done.then(() => {
            const body = listener.body.subarray(5);
            stream.sendHeaders([':status', '200', 'content-type', 'application/grpc', 'x-path', request[':path'], 'x-from', request['x-from'] ?? ''], false);
            stream.sendData(grpcMessage(body), false);
            stream.sendHeaders(['grpc-status', '0', 'x-request-hash', sha256(body)], true);
          });
          return listener;
        },
      });
      try {
        const child = spawn(PYTHON, [script, 'client', server.path, String(size)], { stdio: ['ignore', 'pipe', 'pipe'] });
        const out = output(child);
        const [code] = (await within(30_000, 'python client', once(child, 'close'))) as [number];
        expect(code, out.stderr()).to.equal(0);
        const result = JSON.parse(out.stdout()) as { request: string; response: string; code: string; trailers: Record<string, string>; headers: Record<string, string> };
        expect(result.code).to.equal('OK');
        expect(result.response).to.equal(result.request);
        expect(result.trailers['x-request-hash']).to.equal(result.request);
        expect(result.headers).to.include({ 'x-path': '/h2test.Echo/Call', 'x-from': 'grpcio' });
      } finally {
        await server.close();
      }
    });
  }

  it('our client role calls a grpcio server (1 MiB each way)', async () => {
    const unixPath = socketPath('h2grpcio');
    const child = spawn(PYTHON, [script, 'server', unixPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = output(child);
    try {
      await within(20_000, 'grpcio server ready', (async () => { while (!out.stdout().includes('ready')) await once(child.stdout!, 'data'); })());
      const client = await engineClient(unixPath);
      const request = payload(1 << 20);
      const listener = new RecordingListener();
      listener.stream = client.session.request(grpcRequest('/h2test.Echo/Call', ['grpc-timeout', '20S']), false, listener);
      listener.stream.sendData(grpcMessage(request.data), true);
      await within(20_000, 'response', listener.done);
      expect(listener.reset).to.equal(undefined);
      expect(headerObject(listener.headers[0])).to.include({ ':status': '200', 'content-type': 'application/grpc' });
      expect(headerObject(listener.headers[1])).to.include({ 'grpc-status': '0', 'x-request-hash': request.hash });
      expect(listener.body.readUInt32BE(1)).to.equal(request.data.length);
      expect(sha256(listener.body.subarray(5))).to.equal(request.hash);
      client.session.drain();
      expect(await within(5000, 'client closed', client.closed)).to.equal(undefined);
    } finally {
      child.stdin!.end();
      await within(20_000, 'grpcio server exit', once(child, 'close'));
    }
  });
});

// Interop with a non-Node gRPC implementation: Python's grpcio (Debian python3-grpcio) as the
// server, our channel as the client, over a Unix socket.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChannel } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { HTTP2_ENGINES } from './engines.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../test/transport/interop/python_grpc_server.py');
const PYTHON = '/usr/bin/python3';
const identity = (value: Buffer): Buffer => value;

function pythonHasGrpc(): boolean {
  return spawnSync(PYTHON, ['-c', 'import grpc'], { stdio: 'ignore' }).status === 0;
}

for (const http2 of HTTP2_ENGINES) describe(`interop: Python grpcio server, our channel (${http2} HTTP/2)`, () => {
  let server: ChildProcess;
  let client: grpc.Client;
  const target = `unix:${socketPath(`py-${http2}`)}`;

  before(async function () {
    if (!pythonHasGrpc()) {
      if (process.env.CI === 'true') throw new Error('python3-grpcio is needed for the interop test (apt-get install python3-grpcio)');
      this.skip();
    }
    server = spawn(PYTHON, [script, target], { stdio: ['pipe', 'pipe', 'inherit'] });
    await within(20_000, 'python server start', new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`python server exited with ${code}`)));
    }));
    client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(target, { http2 }) });
  });

  after(() => {
    client?.close();
    server?.stdin?.end();
    server?.kill();
  });

  function call(method: string, request: Buffer, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}) {
    let trailers: grpc.Metadata | undefined;
    const promise = new Promise<Buffer>((resolve, reject) => {
      const c = client.makeUnaryRequest(`/vmrpc.interop.Echo/${method}`, identity, identity, request, metadata, options, (error, value) =>
        error ? reject(error) : resolve(value!),
      );
      c.on('status', (status: grpc.StatusObject) => (trailers = status.metadata));
    });
    return { promise, trailers: () => trailers };
  }

  it('unary with metadata both ways', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-echo', 'from-node');
    const { promise, trailers } = call('Unary', Buffer.from('hello python'), metadata);
    expect((await within(10_000, 'unary', promise)).toString()).to.equal('hello python');
    await new Promise((resolve) => setImmediate(resolve));
    expect(trailers()?.get('x-echoed')).to.deep.equal(['from-node']);
    expect(trailers()?.get('x-peer-language')).to.deep.equal(['python']);
  });

  it('server streaming', async () => {
    const stream = client.makeServerStreamRequest('/vmrpc.interop.Echo/ServerStream', identity, identity, Buffer.from('100'));
    const values: string[] = [];
    for await (const chunk of stream) values.push((chunk as Buffer).toString());
    expect(values).to.deep.equal(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it('an error status with a percent-encoded non-ASCII message', async () => {
    try {
      await call('Fail', Buffer.alloc(0)).promise;
      expect.fail('no error');
    } catch (error) {
      expect((error as grpc.ServiceError).code).to.equal(grpc.status.FAILED_PRECONDITION);
      expect((error as grpc.ServiceError).details).to.equal('python says no: ünïcödé 100%');
    }
  });

  it('a deadline the Python server honours (grpc-timeout on the wire)', async () => {
    const started = Date.now();
    try {
      await call('Slow', Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 300 }).promise;
      expect.fail('no error');
    } catch (error) {
      expect((error as grpc.ServiceError).code).to.equal(grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.below(3000);
    }
  });
});

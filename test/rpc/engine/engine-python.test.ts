// Python grpcio (gRPC's C core, a client vmrpc did not write) against the rpc server's own gRPC
// server on the HTTP/2 engine: the four kinds with metadata both ways, a status with binary
// trailers and a percent-encoded message, cancellation, a deadline and an unknown method.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Status } from '@vmrpc/rpc';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { whenCancelled } from '../streaming-service.js';
import { engineFixture, FIXTURE_PEER, type EngineFixture } from './engine-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../../test/rpc/interop/python_engine_client.py');
const PYTHON = '/usr/bin/python3';
const hex = (bytes: Buffer): string => bytes.toString('hex');
const outcome = (value: string) => StreamingService.act.responseDeserialize(Buffer.from(value, 'hex'));

interface PythonResult {
  act: { response: string; headers: Record<string, string>; trailers: Record<string, string> };
  actFail: { code: string; details: string; trailers: Record<string, string> };
  count: { responses: string[]; trailers: Record<string, string> };
  sum: string;
  chat: string[];
  cancel: { first: string; code: string };
  deadline: string;
  unknown: { code: string; details: string };
}

function runPython(target: string, input: unknown): Promise<PythonResult> {
  const child = spawn(PYTHON, [script, target], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(input));
  return within(30_000, 'python client', new Promise((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as PythonResult) : reject(new Error(`python exited with ${code}: ${stderr}`))));
  }));
}

describe('rpc server on the HTTP/2 engine: a Python grpcio client', function () {
  this.timeout(40_000);
  let fx: EngineFixture;

  before(function () {
    if (spawnSync(PYTHON, ['-c', 'import grpc'], { stdio: 'ignore' }).status !== 0) {
      if (process.env.CI === 'true') throw new Error('python3-grpcio is needed (apt-get install python3-grpcio)');
      this.skip();
    }
  });
  afterEach(async () => {
    await fx?.close();
  });

  it('every call kind, metadata both ways, errors, cancellation, a deadline, an unknown method', async function () {
    fx = await engineFixture();
    expect(fx.links.grpcFallback).to.equal(undefined);
    const result = await runPython(fx.target, {
      act: hex(StreamingService.act.requestSerialize({ value: 42n, key: 'py-act' })),
      actFail: hex(StreamingService.act.requestSerialize({ failCode: Status.FAILED_PRECONDITION, failDetails: 'ü 100% sure' })),
      count: hex(StreamingService.count.requestSerialize({ count: 3 })),
      sum: [1n, 2n, 3n].map((value) => hex(StreamingService.sum.requestSerialize({ value }))),
      chat: [5n, 6n].map((value) => hex(StreamingService.chat.requestSerialize({ value }))),
      hang: hex(StreamingService.act.requestSerialize({ hang: true, key: 'py-deadline' })),
    });

    const act = outcome(result.act.response);
    expect(act.value).to.equal(42n);
    expect(act.echoed).to.deep.equal(['from-python']);
    expect(act.peer).to.equal(FIXTURE_PEER);
    expect(result.act.headers['x-header']).to.equal('from-handler');
    expect(result.act.trailers['x-trailer']).to.equal('done');

    expect(result.actFail.code).to.equal('FAILED_PRECONDITION');
    expect(result.actFail.details).to.equal('ü 100% sure');
    expect(result.actFail.trailers['x-error-bin']).to.equal('010203');

    expect(result.count.responses.map((item) => outcome(item).index)).to.deep.equal([0, 1, 2]);
    expect(result.count.trailers['x-sent']).to.equal('3');
    expect(outcome(result.sum).value).to.equal(6n);
    expect(result.chat.map((item) => outcome(item).value)).to.deep.equal([10n, 12n]);

    expect(result.cancel.code).to.equal('CANCELLED');
    expect(outcome(result.cancel.first).value).to.equal(10n);
    await whenCancelled(fx.log, '/vmrpc.testing.v1.Streaming/Chat');

    expect(result.deadline).to.equal('DEADLINE_EXCEEDED');
    await whenCancelled(fx.log, 'py-deadline');
    expect(fx.log.deadlines.get('py-deadline')).to.be.instanceOf(Date);

    expect(result.unknown).to.deep.equal({ code: 'UNIMPLEMENTED', details: 'The server does not implement the method /vmrpc.testing.v1.Streaming/Nope' });
    expect(fx.log.errors).to.deep.equal([]);
  });
});

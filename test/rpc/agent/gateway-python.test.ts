// Any gRPC language can call a guest function through the gateway, with no .proto files: Python
// grpcio reads the agent's services by reflection through the gateway, builds message classes
// from the descriptors it got, and calls Streaming/Echo on the agent.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { gatewayFixture, type GatewayFixture } from './gateway-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../../test/rpc/interop/python_reflection_client.py');
const PYTHON = '/usr/bin/python3';
const MESSAGE = { scalars: { int64Value: '-9007199254740993', bytesValue: 'AAEC', stringValue: 'ü' }, repeated: { int64Values: ['1', '-1'] }, color: 'COLOR_RED' };

function runPython(args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(PYTHON, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(MESSAGE));
  return within(30_000, 'python client', new Promise((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Record<string, unknown>) : reject(new Error(`python exited with ${code}: ${stderr}`))));
  }));
}

describe('agent gateway: a Python grpcio client calls a guest function (unix:)', function () {
  this.timeout(40_000);
  let fx: GatewayFixture;

  before(async function () {
    if (spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status !== 0) {
      if (process.env.CI === 'true') throw new Error('python3-grpcio is needed (apt-get install python3-grpcio)');
      this.skip();
    }
    fx = await gatewayFixture();
  });
  after(async () => {
    await fx?.close();
  });

  it('reflection of the agent\'s services and a call, both through the gateway', async function () {
    const result = await runPython([fx.admin, 'v1', 'vm-gw']);
    // The agent's services, not the host's (AgentRegistry, AgentDirectory).
    expect(result.services).to.deep.equal(['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'vmrpc.testing.v1.Conformance', 'vmrpc.testing.v1.Streaming']);
    expect(result.response).to.deep.equal(MESSAGE);
    expect(result.missingSymbol).to.deep.equal({ error: 5 });
  });

  it('an unknown agent: Python sees NOT_FOUND naming it', async function () {
    const error = await runPython([fx.admin, 'v1', 'vm-absent']).then(() => undefined, (failure: Error) => failure);
    expect(error?.message).to.match(/NOT_FOUND/);
    expect(error?.message).to.match(/agent vm-absent is not registered with this host/);
  });
});

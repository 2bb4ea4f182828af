// `vmrpc list --agent` and `vmrpc call --agent` through an AgentHost's gateway to a real agent:
// reflection and calls with no .proto files, and one-line errors with the exit codes of today.
import { expect } from 'chai';
import { GuestAgent } from '@vmrpc/rpc';
import { socketPath, within } from '../support/checks.js';
import { ConformanceService } from '../rpc/generated/vmrpc/testing/v1/conformance.js';
import { StreamingService } from '../rpc/generated/vmrpc/testing/v1/streaming.js';
import { streamingImplementation } from '../rpc/streaming-service.js';
import { bulkImplementation, gatewayFixture, type GatewayFixture } from '../rpc/agent/gateway-fixture.js';
import { runCli, startCli } from './run-cli.js';

describe('vmrpc call/list --agent (through the gateway)', function () {
  this.timeout(30_000);
  let fx: GatewayFixture;

  beforeEach(async function () {
    fx = await gatewayFixture();
  });
  afterEach(async function () {
    await fx.close();
  });

  it('lists the agent\'s services and a service\'s methods by reflection', async function () {
    const services = await runCli(['list', '--agent', 'vm-gw', fx.admin]);
    expect(services.stderr).to.equal('');
    expect(services.code).to.equal(0);
    expect(services.stdout.toString().trimEnd().split('\n')).to.deep.equal(['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'vmrpc.testing.v1.Conformance', 'vmrpc.testing.v1.Streaming']);
    const methods = await runCli(['list', '--agent', 'vm-gw', fx.admin, 'vmrpc.testing.v1.Streaming']);
    expect(methods.code).to.equal(0);
    expect(methods.stdout.toString()).to.include('vmrpc.testing.v1.Streaming.Chat\n');
  });

  it('calls a unary and a server-streaming method with JSON', async function () {
    const unary = await runCli(['call', '--agent', 'vm-gw', fx.admin, 'vmrpc.testing.v1.Streaming/Act', '{"value": "9007199254740993", "key": "cli"}']);
    expect(unary.stderr).to.equal('');
    expect(unary.code).to.equal(0);
    expect(JSON.parse(unary.stdout.toString())).to.include({ value: '9007199254740993' });
    const stream = await runCli(['call', '--agent', 'vm-gw', fx.admin, 'vmrpc.testing.v1.Streaming/Count', '{"count": 3}']);
    expect(stream.code).to.equal(0);
    expect(stream.stdout.toString().trimEnd().split('\n').map((line) => (JSON.parse(line) as { index?: number }).index ?? 0)).to.deep.equal([0, 1, 2]);
  });

  it('an unknown agent: NOT_FOUND naming it (exit 64+5), one line', async function () {
    for (const args of [['list', '--agent', 'vm-nobody', fx.admin], ['call', '--agent', 'vm-nobody', fx.admin, 'vmrpc.testing.v1.Streaming/Act', '{}']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).to.equal(69);
      expect(result.stderr).to.match(/NOT_FOUND: agent vm-nobody is not registered with this host/);
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
    }
  });

  it('an offline agent: UNAVAILABLE naming it (exit 64+14), or --wait for it', async function () {
    await fx.agent.close(50);
    const result = await runCli(['call', '--agent', 'vm-gw', fx.admin, 'vmrpc.testing.v1.Streaming/Act', '{}']);
    expect(result.code).to.equal(78);
    expect(result.stderr).to.match(/UNAVAILABLE: agent vm-gw is offline \(shutdown\)/);
    expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
    const waited = await runCli(['list', '--agent', 'vm-gw', '--wait', '300ms', fx.admin]);
    expect(waited.code).to.equal(78);
    expect(waited.stderr).to.match(/UNAVAILABLE: agent vm-gw is offline \(shutdown\); waited 300 ms/);
  });

  it('--wait: a call made while the agent is offline completes once it is back', async function () {
    await fx.agent.close(50);
    // A second gateway listener whose authorize tells the test the call arrived (it runs before the wait).
    const guarded = `unix:${socketPath('cli-gw-wait')}`;
    let arrived!: () => void;
    const callArrived = new Promise<void>((resolve) => (arrived = resolve));
    await fx.host.listen(guarded, { gateway: { authorize: () => (arrived(), true) } });
    const cli = startCli(['call', '--agent', 'vm-gw', '--wait', '15s', guarded, 'vmrpc.testing.v1.Streaming/Act', '{"value": "5"}']);
    await within(10_000, 'the call reaches the gateway', callArrived);
    const back = new GuestAgent({ id: 'vm-gw' }).add(StreamingService, streamingImplementation(fx.log)).add(ConformanceService, bulkImplementation(fx.bulk));
    try {
      await within(5000, 'agent back', back.connect(fx.agents));
      const result = await cli.done;
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(JSON.parse(result.stdout.toString())).to.include({ value: '5' });
    } finally {
      await back.close(100);
    }
  });

  it('a listener without the gateway refuses, saying how to open it (exit 64+9), rather than answer for the host', async function () {
    const result = await runCli(['list', '--agent', 'vm-gw', fx.agents]);
    expect(result.code).to.equal(73);
    expect(result.stderr).to.match(/FAILED_PRECONDITION: the call names agent vm-gw \(vmrpc-agent\), but this listener of the agent host has no gateway: call the listener opened with \{ admin: true, gateway: true \}/);
    expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
  });

  it('--wait without --agent is a usage error (exit 2)', async function () {
    const result = await within(20_000, 'cli', runCli(['list', '--wait', '1s', fx.admin]));
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/--wait goes with --agent ID/);
  });
});

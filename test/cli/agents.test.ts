// `vmrpc agents` against a real AgentHost with a real agent; `vmrpc hvsock` and `vmrpc vms`
// say clearly that they need Windows.
import { AgentHost, GuestAgent } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { runCli } from './run-cli.js';

describe('vmrpc agents', function () {
  this.timeout(20_000);
  let host: AgentHost;
  let agent: GuestAgent;
  let agentsTarget: string;
  let adminTarget: string;

  before(async function () {
    agentsTarget = `unix:${socketPath('cli-agents')}`;
    adminTarget = `unix:${socketPath('cli-admin')}`;
    host = new AgentHost();
    await host.listen(agentsTarget);
    await host.listen(adminTarget, { admin: true });
    agent = new GuestAgent({ id: 'vm-cli', version: '2.0.1', labels: { zone: 'a' } });
    await within(5000, 'registration', agent.connect(agentsTarget));
  });

  after(async function () {
    await agent.close(200);
    await host.close(200);
  });

  it('lists registered agents as a table with their verified peer', async function () {
    const result = await runCli(['agents', adminTarget]);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    const [header, row] = result.stdout.toString().trimEnd().split('\n');
    expect(header).to.match(/^ID\s+STATE\s+PEER\s+VERSION\s+LABELS\s+SERVICES$/);
    expect(row).to.match(new RegExp(`^vm-cli\\s+online \\(\\d+s\\)\\s+${agentsTarget}\\s+2\\.0\\.1\\s+zone=a\\s+-$`));
  });

  it('prints one JSON object per agent with --json', async function () {
    const result = await runCli(['agents', '--json', adminTarget]);
    expect(result.code).to.equal(0);
    const lines = result.stdout.toString().trimEnd().split('\n');
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]!)).to.include({ agentId: 'vm-cli', state: 'online', peer: agentsTarget, version: '2.0.1' });
  });

  it('refuses on a listener that is not an admin one, with the way out (exit 64+7)', async function () {
    const result = await runCli(['agents', agentsTarget]);
    expect(result.code).to.equal(71);
    expect(result.stderr).to.match(/is not an admin listener of the agent host .*\{ admin: true \}/);
    expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
  });

  it('says when nothing listens (exit 64+14)', async function () {
    const result = await runCli(['agents', `unix:${socketPath('cli-nobody')}`]);
    expect(result.code).to.equal(78);
    expect(result.stderr).to.match(/UNAVAILABLE/);
  });
});

describe('vmrpc hvsock and vmrpc vms off Windows', function () {
  it('hvsock list / register name the platform they need', async function () {
    for (const args of [['hvsock', 'list'], ['hvsock', 'register', '22093']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).to.equal(1);
      expect(result.stderr).to.match(/Windows/);
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
    }
  });

  it('hvsock usage mistakes exit 2 naming the problem', async function () {
    const missing = await runCli(['hvsock', 'register']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/register needs a SERVICE/);
    const bad = await runCli(['hvsock', 'unregister', 'not-a-guid']);
    expect(bad.code).to.equal(2);
    const action = await runCli(['hvsock', 'frobnicate']);
    expect(action.code).to.equal(2);
    expect(action.stderr).to.match(/unknown action 'frobnicate'/);
  });

  it('vms reports both sources failing, one line each, exit 1', async function () {
    const result = await runCli(['vms']);
    expect(result.code).to.equal(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^vmrpc vms: Hyper-V VMs: .*Windows/);
    expect(lines[1]).to.match(/^vmrpc vms: WSL 2: .*Windows/);
  });
});

// What users met with agents (issue #14), over unix: one id in two processes settles, waits and
// errors name the agent and its target, close() is idempotent, a closing host ends its waits.
import { spawn } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { AgentHost, GuestAgent, RpcError, Status, type AgentInfo } from '@vmrpc/rpc';
import { parseTarget } from '@vmrpc/native';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from './echo-agent.js';
import { FAST } from './agent-suite.js';

describe('agents: the rules users rely on (unix:)', function () {
  this.timeout(20_000);
  let target: string;
  let host: AgentHost;
  let warnings: string[];
  const agents: GuestAgent[] = [];

  function newAgent(id: string, label = id): GuestAgent {
    const agent = new GuestAgent({ id, reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs: 2000 }).add(EchoService, echoImplementation(label));
    agents.push(agent);
    return agent;
  }

  beforeEach(async function () {
    target = `unix:${socketPath('agent-rules')}`;
    warnings = [];
    host = new AgentHost({ ...FAST, logger: { warn: (message) => warnings.push(message) } });
    await host.listen(target);
  });

  afterEach(async function () {
    await Promise.all(agents.splice(0).map((agent) => agent.close(200)));
    await host.close(200);
  });

  it('two agents with one id settle: the replaced one stops with ALREADY_EXISTS, the host warns once', async function () {
    const events: string[] = [];
    host.on('online', (agent) => events.push(`online ${agent.id}`));
    host.on('offline', (agent, reason) => events.push(`offline ${agent.id} ${reason}`));
    const first = newAgent('vm-twin', 'first');
    await within(5000, 'first registration', first.connect(target));
    const firstStopped = once(first, 'close') as Promise<[Error | undefined]>;
    const second = newAgent('vm-twin', 'second');
    await within(5000, 'second registration', second.connect(target));
    const [error] = await within(3000, 'the replaced agent stops', firstStopped);
    expect(error).to.be.instanceOf(RpcError);
    expect((error as RpcError).code).to.equal(Status.ALREADY_EXISTS);
    expect((error as RpcError).details).to.match(/vm-twin registered again/);
    expect(first.state).to.equal('closed');
    // The newer agent keeps the name: a call reaches it, and nothing flapped meanwhile.
    const answer = await within(5000, 'say', host.agent('vm-twin').client(EchoService).say({ message: 'who?' }));
    expect(answer.message).to.equal('second: who?');
    expect(second.state).to.equal('registered');
    expect(events).to.deep.equal(['online vm-twin', 'offline vm-twin replaced', 'online vm-twin']);
    expect(warnings.filter((warning) => /vm-twin registered again/.test(warning))).to.have.length(1);
  });

  it('a call to an id the host does not know fails with NOT_FOUND naming the agent', async function () {
    const echo = host.agent('vm-nobody').client(EchoService);
    const error = (await rejection(echo.say({ message: 'hello?' }))) as unknown as RpcError;
    expect(error).to.be.instanceOf(RpcError);
    expect(error.code).to.equal(Status.NOT_FOUND);
    expect(error.details).to.equal('agent vm-nobody is not registered with this host');
    const streamed = (await rejection((async () => {
      for await (const _ of echo.repeat({ message: 'x', count: 1, intervalMs: 1 })) return;
    })())) as unknown as RpcError;
    expect(streamed.code).to.equal(Status.NOT_FOUND);
  });

  it("calls to agents run on the vmrpc HTTP/2 engine unless channel.http2 says 'node'", async function () {
    const agent = newAgent('vm-engine');
    await within(5000, 'registration', agent.connect(target));
    expect(host.agent('vm-engine').callChannel().http2).to.equal('vmrpc');
    expect((await within(5000, 'say', host.agent('vm-engine').client(EchoService).say({ message: 'lean' }))).message).to.equal('vm-engine: lean');
    const nodeHost = new AgentHost({ ...FAST, channel: { http2: 'node' } });
    try {
      expect(nodeHost.agent('vm-engine').callChannel().http2).to.equal('node');
    } finally {
      await nodeHost.close(200);
    }
  });

  it('a stock grpc-js client on callChannel() gets the same NOT_FOUND for an unknown id', async function () {
    const channel = host.agent('vm-nobody').callChannel();
    const client = new grpc.Client('agent:vm-nobody', grpc.credentials.createInsecure(), { channelOverride: channel });
    const error = await within(5000, 'NOT_FOUND', new Promise<grpc.ServiceError>((resolve) => {
      client.makeUnaryRequest('/vmrpc.echo.v1.Echo/Say', (value: Buffer) => value, (value: Buffer) => value, Buffer.alloc(0), (failure) => resolve(failure!));
    }));
    expect(error.code).to.equal(Status.NOT_FOUND);
    expect(error.details).to.equal('agent vm-nobody is not registered with this host');
  });

  it('with waitForReady, a deadline that passes while the agent is away names the agent', async function () {
    const echo = host.agent('vm-late').client(EchoService);
    const error = (await rejection(echo.say({ message: 'hello?' }, { waitForReady: true, timeoutMs: 200 }))) as unknown as RpcError;
    expect(error.code).to.equal(Status.DEADLINE_EXCEEDED);
    expect(error.details).to.match(/agent vm-late is not registered with this host/);
    // Known but gone: the reason is given.
    const agent = newAgent('vm-gone');
    await within(5000, 'registration', agent.connect(target));
    const offline = once(host, 'offline');
    await agent.close(200);
    await within(3000, 'offline', offline);
    const gone = (await rejection(host.agent('vm-gone').client(EchoService).say({ message: 'x' }, { waitForReady: true, timeoutMs: 200 }))) as unknown as RpcError;
    expect(gone.code).to.equal(Status.DEADLINE_EXCEEDED);
    expect(gone.details).to.match(/agent vm-gone is offline \(shutdown\)/);
  });

  it('names a VmAddress target in waits and logs (never [object Object])', async function () {
    const address = parseTarget(`unix:${socketPath('nobody-listens')}`);
    const error = await rejection(host.connect(address, { timeoutMs: 300 }));
    expect(error.code).to.equal('ETIMEDOUT');
    expect(error.message).to.contain(`an agent at unix:${address.family === 'unix' ? address.path : ''}`);
    expect(error.message).to.not.contain('[object Object]');
    host.disconnect(address);
    expect(warnings.length).to.be.greaterThan(0);
    for (const warning of warnings) expect(warning).to.not.contain('[object Object]');
  });

  it('waits for agents end when the host closes', async function () {
    const waiting = host.waitFor('vm-never', { timeoutMs: 10_000 });
    const dialing = host.connect(`unix:${socketPath('nobody-dials')}`, { timeoutMs: 10_000 });
    const started = Date.now();
    await host.close(100);
    for (const wait of [waiting, dialing]) {
      const error = await within(1000, 'rejection', rejection(wait));
      expect(error.code).to.equal('ERR_AGENT_HOST_CLOSED');
      expect(error.message).to.match(/the agent host closed while waiting for (agent vm-never|an agent at unix:)/);
    }
    expect(Date.now() - started).to.be.below(2000);
    expect((await rejection(host.waitFor('vm-later'))).code).to.equal('ERR_AGENT_HOST_CLOSED');
  });

  it('a listening agent keeps the peer of the link its session runs on, whatever session link arrives meanwhile', async function () {
    // The host answers the registration only once another session link, from another peer (a
    // named Unix client: its own identity), reached the agent while the registration was on its way.
    let intruderIn!: () => void;
    const intruded = new Promise<void>((resolve) => (intruderIn = resolve));
    let registering!: () => void;
    const askedToRegister = new Promise<void>((resolve) => (registering = resolve));
    await host.close(100);
    host = new AgentHost({ ...FAST, authorize: async () => (registering(), await intruded, true) });
    const agentPath = socketPath('agent-listens');
    const agent = newAgent('vm-listening');
    await agent.listen(`unix:${agentPath}`);
    const registered = host.connect(`unix:${agentPath}`, { timeoutMs: 5000 });
    await within(5000, 'registration on its way', askedToRegister);
    const intruderPath = socketPath('intruder');
    const script = 'import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\ns.connect(sys.argv[2])\ns.sendall(b"VMRPC-LINK/1 session\\n")\nsys.stdout.write(s.recv(64).decode())\nsys.stdout.flush()\nwhile s.recv(4096): pass\n';
    const intruder = spawn('/usr/bin/python3', ['-c', script, intruderPath, agentPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const answer = await within(5000, 'the intruder\'s link answered', new Promise<string>((resolve, reject) => {
        intruder.stdout!.setEncoding('utf8').once('data', resolve);
        intruder.once('exit', (code) => reject(new Error(`python3 exited with ${code}`)));
      }));
      expect(answer).to.equal('OK\n');
      intruderIn();
      const info = await within(5000, 'registered', registered);
      expect(info.peer).to.equal(`unix:${agentPath}`);
      // The host dials its call links from where it dialed the session: they must be accepted.
      const reply = await within(5000, 'say', host.agent('vm-listening').client(EchoService).say({ message: 'still you?' }));
      expect(reply.message).to.equal('vm-listening: still you?');
    } finally {
      intruder.kill();
      rmSync(intruderPath, { force: true });
    }
  });

  it('close() is idempotent: one drain, one `shutdown`, every caller resolves', async function () {
    const agent = newAgent('vm-twice');
    await within(5000, 'registration', agent.connect(target));
    const offline: string[] = [];
    host.on('offline', (info: AgentInfo, reason) => offline.push(`${info.id} ${reason}`));
    const gone = once(host, 'offline');
    const closes = [agent.close(2000), agent.close(2000), agent.close(0)];
    expect(closes[1]).to.equal(closes[0]);
    await within(5000, 'every close', Promise.all(closes));
    await within(3000, 'offline', gone);
    expect(offline).to.deep.equal(['vm-twice shutdown']);
    expect(agent.state).to.equal('closed');
  });
});

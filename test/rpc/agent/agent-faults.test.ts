// Agents that die or freeze: a GuestAgent in a process of its own is killed (SIGKILL) or
// stopped (SIGSTOP), and the host must notice within its bounds, fail calls fast and end the
// calls in progress with UNAVAILABLE, never hang.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentHost, RpcError, Status, type AgentInfo, type OfflineReason } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { FAST } from './agent-suite.js';

const AGENT_PROCESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent-process.js');

function startAgentProcess(target: string, id: string): { child: ChildProcess; registrations: () => number } {
  const child = spawn(process.execPath, [AGENT_PROCESS, target, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    count += text.split('\n').filter((line) => line.startsWith('registered ')).length;
  });
  return { child, registrations: () => count };
}

function offline(host: AgentHost, id: string): Promise<[AgentInfo, OfflineReason]> {
  return new Promise((resolve) => {
    const listener = (agent: AgentInfo, reason: OfflineReason): void => {
      if (agent.id !== id) return;
      host.removeListener('offline', listener);
      resolve([agent, reason]);
    };
    host.on('offline', listener);
  });
}

describe('agents that die or freeze (agent in a process of its own, over unix:)', function () {
  this.timeout(20_000);
  let host: AgentHost;
  let target: string;
  const children: ChildProcess[] = [];

  beforeEach(async function () {
    target = `unix:${socketPath('agent-faults')}`;
    host = new AgentHost(FAST);
    await host.listen(target);
  });

  afterEach(async function () {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
    await host.close(200);
  });

  it('a killed agent is offline at once; its calls in progress end and new ones fail fast with UNAVAILABLE', async function () {
    const { child } = startAgentProcess(target, 'vm-killed');
    children.push(child);
    await within(10_000, 'registration', host.waitFor('vm-killed', { timeoutMs: 10_000 }));
    const echo = host.agent('vm-killed').client(EchoService);
    const received: string[] = [];
    // Settled into a value at once: the stream fails before the test looks at it.
    const streaming = (async () => {
      for await (const item of echo.repeat({ message: 'tick', count: 10_000, intervalMs: 10 })) received.push(item.message);
    })().then(
      () => new Error('the stream ended without an error'),
      (error: unknown) => error,
    );
    await within(5000, 'first messages', (async () => {
      while (received.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    })());
    const wentOffline = offline(host, 'vm-killed');
    const killedAt = Date.now();
    child.kill('SIGKILL');
    const [info, reason] = await within(3000, 'offline', wentOffline);
    expect(reason).to.equal('disconnected');
    expect(info.state).to.equal('offline');
    // The kernel closes a dead process's sockets: no heartbeat timeout is needed to notice.
    expect(Date.now() - killedAt).to.be.below(FAST.heartbeatTimeoutMs + 500);
    const ended = (await within(3000, 'stream in progress ends', streaming)) as RpcError;
    expect(ended).to.be.instanceOf(RpcError);
    expect(ended.code).to.equal(Status.UNAVAILABLE);
    // Every message that arrived is in order: none lost in the middle, none repeated.
    received.forEach((message, index) => expect(message).to.equal(`vm-killed: tick #${index}`));
    const started = Date.now();
    const refused = (await rejection(echo.say({ message: 'anyone?' }))) as unknown as RpcError;
    expect(refused.code).to.equal(Status.UNAVAILABLE);
    expect(Date.now() - started).to.be.below(500);
  });

  it('a frozen agent goes offline within the heartbeat bound, and is back when it thaws', async function () {
    const { child, registrations } = startAgentProcess(target, 'vm-frozen');
    children.push(child);
    await within(10_000, 'registration', host.waitFor('vm-frozen', { timeoutMs: 10_000 }));
    const wentOffline = offline(host, 'vm-frozen');
    const stoppedAt = Date.now();
    child.kill('SIGSTOP');
    const [, reason] = await within(5000, 'offline', wentOffline);
    const noticedAfter = Date.now() - stoppedAt;
    expect(reason).to.equal('heartbeat-timeout');
    expect(noticedAfter).to.be.within(FAST.heartbeatTimeoutMs - 150, FAST.heartbeatTimeoutMs + 1000);
    const echo = host.agent('vm-frozen').client(EchoService);
    expect(((await rejection(echo.say({ message: 'frozen?' }))) as unknown as RpcError).code).to.equal(Status.UNAVAILABLE);
    // Thawed, the agent finds its session gone, reconnects with backoff and re-registers; the id
    // is still bound to its peer, so it gets it back.
    const back = new Promise<AgentInfo>((resolve) => host.on('online', (agent) => agent.id === 'vm-frozen' && resolve(agent)));
    child.kill('SIGCONT');
    await within(5000, 'registered again', back);
    expect(registrations()).to.be.at.least(1);
    const answer = await within(5000, 'say', echo.say({ message: 'thawed' }));
    expect(answer.message).to.equal('vm-frozen: thawed');
  });

  it('a SIGTERM-ed agent drains: the host sees `shutdown`', async function () {
    const { child } = startAgentProcess(target, 'vm-term');
    children.push(child);
    await within(10_000, 'registration', host.waitFor('vm-term', { timeoutMs: 10_000 }));
    const wentOffline = offline(host, 'vm-term');
    child.kill('SIGTERM');
    const [, reason] = await within(5000, 'offline', wentOffline);
    expect(reason).to.equal('shutdown');
    const code = await within(5000, 'exit', new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))));
    expect(code).to.equal(0);
  });
});

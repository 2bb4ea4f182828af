// The registry and the waits for agents, each alone (issue #15): what AgentHost composes, tested
// without a host. The registry owns no sockets; its links come from a real LinkTable over
// in-process stream pairs (node:stream duplexPair), standing in for accepted connections.
import { EventEmitter } from 'node:events';
import { duplexPair } from 'node:stream';
import { Status, type AgentInfo, type OfflineReason, type RpcError } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, thrown, within } from '../../support/checks.js';
import { AgentWaiters, LinkTable, Register, Registry, type Link, type RegisterMessage } from './host-internals.js';

function linkFrom(table: InstanceType<typeof LinkTable>, cid: number): Link {
  const [ours] = duplexPair();
  return table.addAccepted(ours, { family: 'vsock', cid, port: 1024 });
}

function register(agentId: string): RegisterMessage {
  return Register.create({ agentId, name: agentId, version: '1.0.0', services: ['guest.v1.System'] });
}

function registryWithLog(limits: Partial<ConstructorParameters<typeof Registry>[0]> = {}) {
  const log: string[] = [];
  const registry = new Registry(
    { maxAgents: 16, maxAgentsPerPeer: 4, retainOfflineMs: 60_000, heartbeatTimeoutMs: 60_000, ...limits },
    {
      online: (info) => log.push(`online ${info.id}`),
      offline: (info, reason: OfflineReason) => log.push(`offline ${info.id} ${reason}`),
      updated: (info) => log.push(`updated ${info.id} ${info.state}`),
      conflict: (info, peer) => log.push(`conflict ${info.id} ${peer}`),
    },
  );
  return { registry, log };
}


describe('agent host pieces: Registry', function () {
  it('registers, announces, drains and ends a session: snapshots and events in order', function () {
    const table = new LinkTable(8);
    const { registry, log } = registryWithLog();
    const session = registry.open(register('vm-1'), linkFrom(table, 3));
    expect(registry.get('vm-1')).to.include({ id: 'vm-1', peer: 'vsock:3', state: 'online', version: '1.0.0' });
    expect(log, 'online only once announced').to.deep.equal([]);
    registry.announce(session);
    expect(registry.sessionOf('vm-1')).to.equal(session);
    expect(registry.sessionById(session.id)).to.equal(session);
    registry.draining(session);
    expect(registry.get('vm-1')!.state).to.equal('draining');
    session.end('shutdown');
    expect(registry.get('vm-1')).to.include({ state: 'offline', offlineReason: 'shutdown' });
    expect(registry.sessionOf('vm-1')).to.equal(undefined);
    expect(registry.sessionById(session.id)).to.equal(undefined);
    expect(log).to.deep.equal(['online vm-1', 'updated vm-1 draining', 'offline vm-1 shutdown']);
    registry.clear();
    expect(registry.list()).to.deep.equal([]);
  });

  it('binds an id to its first peer: another VM is PERMISSION_DENIED, even while the agent is offline', function () {
    const table = new LinkTable(8);
    const { registry } = registryWithLog();
    registry.open(register('vm-1'), linkFrom(table, 3)).end('shutdown');
    const error = thrown<RpcError>(() => registry.open(register('vm-1'), linkFrom(table, 4)));
    expect(error.code).to.equal(Status.PERMISSION_DENIED);
    expect(error.details).to.equal('agent id vm-1 is bound to peer vsock:3; this session comes from vsock:4');
    expect(registry.get('vm-1')!.peer).to.equal('vsock:3');
    registry.clear();
  });

  it('a second registration from the same peer replaces the live session (conflict; the older ends "replaced")', function () {
    const table = new LinkTable(8);
    const { registry, log } = registryWithLog();
    const first = registry.open(register('vm-1'), linkFrom(table, 3));
    registry.announce(first);
    const second = registry.open(register('vm-1'), linkFrom(table, 3));
    expect(first.endReason).to.equal('replaced');
    expect(registry.sessionOf('vm-1')).to.equal(second);
    // The older session's end is reported (offline, replaced); the agent is online again with the new one.
    expect(registry.get('vm-1')!.state).to.equal('online');
    registry.announce(second);
    expect(log).to.deep.equal(['online vm-1', 'conflict vm-1 vsock:3', 'offline vm-1 replaced', 'online vm-1']);
    second.end('shutdown');
    expect(first.endReason, 'the first reason stays').to.equal('replaced');
    registry.clear();
  });

  it('maxAgentsPerPeer and maxAgents: RESOURCE_EXHAUSTED naming the limit; only the peer\'s own oldest offline agent makes room', function () {
    const table = new LinkTable(8);
    const { registry } = registryWithLog({ maxAgents: 2, maxAgentsPerPeer: 1 });
    registry.open(register('vm-a'), linkFrom(table, 3));
    const perPeer = thrown<RpcError>(() => registry.open(register('vm-b'), linkFrom(table, 3)));
    expect(perPeer.code).to.equal(Status.RESOURCE_EXHAUSTED);
    expect(perPeer.details).to.equal('peer vsock:3 already has 1 agents registered (maxAgentsPerPeer)');
    const other = registry.open(register('vm-c'), linkFrom(table, 4));
    const total = thrown<RpcError>(() => registry.open(register('vm-d'), linkFrom(table, 5)));
    expect(total.code).to.equal(Status.RESOURCE_EXHAUSTED);
    expect(total.details).to.equal('the host has 2 agents (maxAgents) and peer vsock:5 has no offline agent to forget');
    other.end('shutdown');
    expect(thrown<RpcError>(() => registry.open(register('vm-d'), linkFrom(table, 5))).code, 'another peer\'s offline agent stays bound').to.equal(Status.RESOURCE_EXHAUSTED);
    registry.open(register('vm-e'), linkFrom(table, 4));
    expect(registry.list().map((agent) => agent.id)).to.deep.equal(['vm-a', 'vm-e']);
    registry.clear();
  });
});

describe('agent host pieces: AgentWaiters', function () {
  const agent = (id: string): AgentInfo => ({ id }) as AgentInfo;

  it('resolves at once for an online agent, or on the matching online event; removes its listeners', async function () {
    const events = new EventEmitter();
    const online: AgentInfo[] = [agent('vm-1')];
    const waiters = new AgentWaiters(events, () => online);
    expect((await waiters.wait((a) => a.id === 'vm-1', {}, 'agent vm-1')).id).to.equal('vm-1');
    const later = waiters.wait((a) => a.id === 'vm-2', { timeoutMs: 5000 }, 'agent vm-2');
    expect(events.listenerCount('online')).to.equal(1);
    events.emit('online', agent('vm-3'));
    events.emit('online', agent('vm-2'));
    expect((await within(1000, 'wait', later)).id).to.equal('vm-2');
    expect(events.listenerCount('online')).to.equal(0);
  });

  it('rejects on timeout (ETIMEDOUT naming the agent), on abort (the reason), and every wait on close', async function () {
    const events = new EventEmitter();
    const waiters = new AgentWaiters(events, () => []);
    const timedOut = await rejection(waiters.wait(() => true, { timeoutMs: 20 }, 'agent vm-9'));
    expect(timedOut.code).to.equal('ETIMEDOUT');
    expect(timedOut.message).to.equal('agent vm-9 did not come online within 20 ms');
    const controller = new AbortController();
    const aborted = waiters.wait(() => true, { signal: controller.signal }, 'agent vm-8');
    controller.abort(new Error('stop waiting'));
    expect((await rejection(aborted)).message).to.equal('stop waiting');
    const pending = waiters.wait(() => true, {}, 'agent vm-7');
    waiters.close((what) => new Error(`closed while waiting for ${what}`));
    expect((await rejection(pending)).message).to.equal('closed while waiting for agent vm-7');
    expect((await rejection(waiters.wait(() => true, {}, 'agent vm-6'))).message).to.equal('closed while waiting for agent vm-6');
    expect(events.listenerCount('online'), 'no listener left').to.equal(0);
  });
});

// The registry's bounds between peers (docs/security.md): one guest registering and dropping
// ids cannot evict another VM's offline agent early and take over its name; room for a new id
// comes only from the registering peer's own offline ids. Links come from a real LinkTable over
// in-process stream pairs (node:stream duplexPair), standing in for accepted connections.
import { duplexPair } from 'node:stream';
import { Status, type RpcError } from '@vmrpc/rpc';
import { expect } from 'chai';
import { LinkTable, Register, Registry, type Link, type RegisterMessage } from './host-internals.js';
import { thrown } from '../../support/checks.js';

function linkFrom(table: InstanceType<typeof LinkTable>, cid: number): Link {
  const [ours] = duplexPair();
  return table.addAccepted(ours, { family: 'vsock', cid, port: 1024 });
}

function register(agentId: string): RegisterMessage {
  return Register.create({ agentId, name: agentId, version: '1.0.0' });
}

function newRegistry(maxAgents: number, maxAgentsPerPeer: number): InstanceType<typeof Registry> {
  const ignore = (): void => undefined;
  return new Registry({ maxAgents, maxAgentsPerPeer, retainOfflineMs: 60_000, heartbeatTimeoutMs: 60_000 }, { online: ignore, offline: ignore, updated: ignore, conflict: ignore });
}


describe('agent host pieces: Registry bounds between peers', function () {
  it('a guest churning throw-away ids cannot evict a rebooting neighbour\'s id and take it over', function () {
    const table = new LinkTable(64);
    const registry = newRegistry(16, 2);
    registry.open(register('vm-victim'), linkFrom(table, 3)).end('shutdown');
    const attacker = linkFrom(table, 4);
    for (let i = 0; i < 40; i++) registry.open(register(`junk-${i}`), attacker).end('disconnected');
    expect(registry.get('vm-victim')).to.include({ peer: 'vsock:3', state: 'offline' });
    const error = thrown<RpcError>(() => registry.open(register('vm-victim'), attacker));
    expect(error.code).to.equal(Status.PERMISSION_DENIED);
    expect(error.details).to.equal('agent id vm-victim is bound to peer vsock:3; this session comes from vsock:4');
    registry.clear();
  });

  it('one peer keeps at most 4 x maxAgentsPerPeer ids: a new one forgets its own offline id seen longest ago', function () {
    const table = new LinkTable(64);
    const registry = newRegistry(64, 2);
    const link = linkFrom(table, 5);
    for (let i = 0; i < 8; i++) registry.open(register(`vm-${i}`), link).end('disconnected');
    expect(registry.list()).to.have.length(8);
    registry.open(register('vm-8'), link);
    expect(registry.list()).to.have.length(8);
    expect(registry.get('vm-0'), 'the oldest offline id of that peer').to.equal(undefined);
    expect(registry.get('vm-8')?.state).to.equal('online');
    registry.clear();
  });

  it('at maxAgents, a peer with no offline id of its own is RESOURCE_EXHAUSTED; other peers\' offline ids stay', function () {
    const table = new LinkTable(64);
    const registry = newRegistry(4, 1);
    for (let cid = 10; cid < 14; cid++) registry.open(register(`vm-${cid}`), linkFrom(table, cid)).end('shutdown');
    const error = thrown<RpcError>(() => registry.open(register('vm-new'), linkFrom(table, 20)));
    expect(error.code).to.equal(Status.RESOURCE_EXHAUSTED);
    expect(error.details).to.equal('the host has 4 agents (maxAgents) and peer vsock:20 has no offline agent to forget');
    expect(registry.list().map((agent) => agent.id)).to.deep.equal(['vm-10', 'vm-11', 'vm-12', 'vm-13']);
    registry.open(register('vm-10b'), linkFrom(table, 10));
    expect(registry.get('vm-10'), 'its own offline id made room').to.equal(undefined);
    registry.clear();
  });
});

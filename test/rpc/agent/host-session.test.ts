// A host session's end listeners: a host-dialed call link listens for its session's end only
// while it is open (it used to leave one closure per call link for the whole session).
import { duplexPair } from 'node:stream';
import { expect } from 'chai';
import { LinkTable, Register, Registry } from './host-internals.js';

describe('agent host pieces: AgentSession end listeners', function () {
  it('onEnd() returns a function that unsubscribes; the others still hear the end', function () {
    const table = new LinkTable(8);
    const ignore = (): void => undefined;
    const registry = new Registry({ maxAgents: 8, maxAgentsPerPeer: 8, retainOfflineMs: 60_000, heartbeatTimeoutMs: 60_000 }, { online: ignore, offline: ignore, updated: ignore, conflict: ignore });
    const [ours] = duplexPair();
    const session = registry.open(Register.create({ agentId: 'vm-1' }), table.addAccepted(ours, { family: 'vsock', cid: 3, port: 1024 }));
    const heard: string[] = [];
    const unsubscribe = session.onEnd(() => heard.push('gone'));
    session.onEnd((reason) => heard.push(`kept ${reason}`));
    unsubscribe();
    unsubscribe();
    session.end('shutdown');
    expect(heard).to.deep.equal(['kept shutdown']);
    let late = '';
    session.onEnd((reason) => (late = reason))();
    expect(late, 'a listener added after the end hears it at once').to.equal('shutdown');
    registry.clear();
  });
});

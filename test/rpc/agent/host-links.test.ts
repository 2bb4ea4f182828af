// HostLinks and CallLinks, each alone (issue #15), over real Unix sockets: what arrives on a
// listener goes where it belongs (plain gRPC to the server, call links to onCallLink, session
// links refused), and a call link is handed to the session that asked for it only with that
// session's token and from its peer.
import * as net from 'node:net';
import { once } from 'node:events';
import { RpcError, Status, closeClient, createClient, createServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from '../streaming-service.js';
import { CallLinks, HostLinks, LinkTable, Register, Registry, formatPreface, type Link } from './host-internals.js';

type CallsPreface = { kind: 'calls'; sessionId: string; token: Buffer };

/** The first line a peer is answered with (`OK`, `ERR reason`). */
async function firstLine(socket: net.Socket): Promise<string> {
  let text = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) {
    text += chunk as string;
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!;
}

/** Everything a peer is sent until the other side ends. */
async function allOf(socket: net.Socket): Promise<string> {
  let text = '';
  socket.setEncoding('utf8');
  await within(5000, 'the end', (async () => {
    for await (const chunk of socket) text += chunk as string;
  })());
  return text;
}

function hostLinks(onCallLink: (link: Link, preface: CallsPreface) => void = () => undefined) {
  const server = createServer().add(StreamingService, streamingImplementation(newLog()));
  const logged: string[] = [];
  const links = new HostLinks(server, {
    maxConnectionsPerPeer: 8,
    handshakeTimeoutMs: 2000,
    connect: undefined,
    reconnect: { initialMs: 50, maxMs: 100 },
    onCallLink,
    onGatewayLink: () => undefined,
    log: (_level, message) => logged.push(message),
  });
  return { links, logged };
}

describe('agent host pieces: HostLinks', function () {
  this.timeout(20_000);

  it('serves plain gRPC with the server, marks admin peers, routes call links, refuses session links; drain closes every link', async function () {
    const calls: CallsPreface[] = [];
    const { links } = hostLinks((link, preface) => {
      calls.push(preface);
      link.socket.end('ERR test done\n');
    });
    const path = socketPath('hl-admin');
    await links.listen(`unix:${path}`, { admin: true });
    const client = createClient(StreamingService, `unix:${path}`);
    try {
      await within(5000, 'a call through the listener', client.ping({}));
      expect(links.table.size).to.equal(1);
      expect(links.isAdmin(`unix:${path}`), 'a link of an admin listener').to.equal(true);

      const token = Buffer.alloc(32, 7);
      const dialer = net.connect(path);
      dialer.write(formatPreface({ kind: 'calls', sessionId: 'session-1', token }));
      expect(await firstLine(dialer)).to.equal('ERR test done');
      expect(calls).to.have.length(1);
      expect(calls[0]!.sessionId).to.equal('session-1');
      expect(calls[0]!.token.equals(token)).to.equal(true);

      const session = net.connect(path);
      session.write(formatPreface({ kind: 'session' }));
      expect(await firstLine(session)).to.equal('ERR a host does not take session links');

      await links.stopAccepting();
      expect((await rejection(new Promise((resolve, reject) => net.connect(path).once('connect', resolve).once('error', reject)))).code).to.match(/ENOENT|ECONNREFUSED/);
      await within(5000, 'drain', links.drain(1000));
      expect(links.table.size).to.equal(0);
    } finally {
      closeClient(client);
    }
  });

  it('refuses gateway: true without admin, and a malformed gateway option, with a TypeError saying what to pass', async function () {
    const { links } = hostLinks();
    expect((await rejection(links.listen(`unix:${socketPath('hl-gw')}`, { gateway: true }))).message).to.match(/needs admin: true/);
    expect((await rejection(links.listen(`unix:${socketPath('hl-gw2')}`, { gateway: {} as never }))).message).to.equal('options.gateway must be true or { authorize(caller, agent, method) }');
    await links.drain(0);
  });
});

describe('agent host pieces: CallLinks', function () {
  this.timeout(20_000);

  /** A real connected pair of Unix sockets; the accepted end is added to `table` as a link from `cid`. */
  async function acceptedPair(table: InstanceType<typeof LinkTable>, cid: number): Promise<{ link: Link; peer: net.Socket; close(): void }> {
    const path = socketPath(`cl-${cid}`);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const peer = net.connect(path);
    const [socket] = await within(5000, 'accept', accepted);
    server.close();
    return { link: table.addAccepted(socket, { family: 'vsock', cid, port: 1024 }), peer, close: () => (socket.destroy(), peer.destroy()) };
  }

  function setUp() {
    const table = new LinkTable(8);
    const registry = new Registry(
      { maxAgents: 8, maxAgentsPerPeer: 8, retainOfflineMs: 60_000, heartbeatTimeoutMs: 60_000 },
      { online: () => undefined, offline: () => undefined, updated: () => undefined, conflict: () => undefined },
    );
    const callLinks = new CallLinks({ registry, links: table, callLinkTimeoutMs: 2000, connect: undefined, log: () => undefined });
    return { table, registry, callLinks };
  }

  it('open(): NOT_FOUND for an id never registered, UNAVAILABLE naming an offline agent', async function () {
    const { table, registry, callLinks } = setUp();
    const unknown = (await rejection(callLinks.open('vm-none', new AbortController().signal))) as unknown as RpcError;
    expect(unknown.code).to.equal(Status.NOT_FOUND);
    expect(unknown.details).to.equal('agent vm-none is not registered with this host');
    const pair = await acceptedPair(table, 3);
    registry.open(Register.create({ agentId: 'vm-1' }), pair.link).end('shutdown');
    const offline = (await rejection(callLinks.open('vm-1', new AbortController().signal))) as unknown as RpcError;
    expect(offline.code).to.equal(Status.UNAVAILABLE);
    expect(offline.details).to.equal('agent vm-1 is offline (shutdown)');
    pair.close();
    registry.clear();
  });

  it('accept(): a requested call link with the session token from its peer is delivered; others are refused with ERR', async function () {
    const { table, registry, callLinks } = setUp();
    const sessionPair = await acceptedPair(table, 3);
    const session = registry.open(Register.create({ agentId: 'vm-1' }), sessionPair.link);
    const preface = { kind: 'calls' as const, sessionId: session.id, token: session.token };

    const unsolicited = await acceptedPair(table, 3);
    callLinks.accept(unsolicited.link, preface);
    expect(await allOf(unsolicited.peer), 'the preface is right, but no call link was asked for: one line, never OK then ERR').to.equal('ERR no call link was requested\n');

    const wrongToken = await acceptedPair(table, 3);
    callLinks.accept(wrongToken.link, { ...preface, token: Buffer.alloc(32) });
    expect(await firstLine(wrongToken.peer)).to.equal('ERR unknown session or wrong token');

    const otherVm = await acceptedPair(table, 4);
    callLinks.accept(otherVm.link, preface);
    expect(await firstLine(otherVm.peer)).to.equal('ERR this session belongs to another peer');

    const requested = session.requestCallLink(2000, new AbortController().signal);
    const good = await acceptedPair(table, 3);
    callLinks.accept(good.link, preface);
    expect(await within(5000, 'the call link', requested)).to.equal(good.link.socket);
    expect(await firstLine(good.peer)).to.equal('OK');

    for (const pair of [sessionPair, unsolicited, wrongToken, otherVm, good]) pair.close();
    session.end('shutdown');
    registry.clear();
  });
});

/**
 * Guest agents and their host, over one kind of target: registration, typed calls both ways,
 * the host dialing a listening agent, lifecycle events, drain, identity binding and refusals,
 * protocol versions, limits, bad input. Run over `unix:` and hybrid vsock on the host
 * (agents.test.ts) and over vsock loopback in the VM harness (agents.vsock.test.ts).
 */
import { once, type EventEmitter } from 'node:events';
import { AgentHost, GuestAgent, RpcError, Status, agentProtocol, closeClient, createChannel, createClient, type AgentInfo, type DeepPartial } from '@vmrpc/rpc';
import { connect, type VmSocket } from '@vmrpc/native';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { expect } from 'chai';
import { expectNoFdLeak, openFdCount, rejection, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from './echo-agent.js';

export interface AgentTargets {
  /** Where the host listens for agents. */
  hostListen: string;
  /** Where an agent dials the host (the same host listener). */
  agentConnect: string;
  /** A second host listener that counts as another peer (another VM). */
  otherListen: string;
  otherConnect: string;
  /** Where an agent listens, and how the host dials it. */
  agentListen: string;
  hostDial: string;
  /** The identity the host sees for agents on the first listener. */
  identity: string | RegExp;
}

/** Bounded timings for tests: heartbeats every 100 ms, silence for 400 ms means offline. */
export const FAST = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, registrationTimeoutMs: 2000, callLinkTimeoutMs: 2000, retainOfflineMs: 60_000 } as const;
const FAST_AGENT = { reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs: 2000 } as const;

async function rpcError(promise: Promise<unknown>): Promise<RpcError> {
  const error = await rejection(promise);
  expect(error, error.message).to.be.instanceOf(RpcError);
  return error as unknown as RpcError;
}

function nextOffline(host: AgentHost, id: string): Promise<[AgentInfo, string]> {
  return new Promise((resolve) => {
    const listener = (agent: AgentInfo, reason: string): void => {
      if (agent.id !== id) return;
      host.removeListener('offline', listener);
      resolve([agent, reason]);
    };
    host.on('offline', listener);
  });
}

async function readLine(socket: VmSocket): Promise<string> {
  let text = '';
  for await (const chunk of socket) {
    text += (chunk as Buffer).toString('latin1');
    if (text.includes('\n')) break;
  }
  return text;
}

/** Host timings of a suite run: FAST by default; slower carriers (a TCG guest) pass their own. */
export type SuiteTiming = { readonly heartbeatIntervalMs: number; readonly heartbeatTimeoutMs: number };

export function agentSuite(makeTargets: () => AgentTargets, timing: SuiteTiming = FAST): void {
  const HOST = { ...FAST, ...timing };
  let targets: AgentTargets;
  let host: AgentHost;
  const agents: GuestAgent[] = [];
  let fdBaseline = 0;

  function newAgent(id: string, options: Partial<ConstructorParameters<typeof GuestAgent>[0]> = {}): GuestAgent {
    const agent = new GuestAgent({ id, version: '1.2.3', labels: { role: 'test' }, ...FAST_AGENT, ...options }).add(EchoService, echoImplementation(id));
    agents.push(agent);
    return agent;
  }

  beforeEach(async function () {
    fdBaseline = openFdCount();
    targets = makeTargets();
    host = new AgentHost(HOST);
    await host.listen(targets.hostListen);
  });

  afterEach(async function () {
    await Promise.all(agents.splice(0).map((agent) => agent.close(200)));
    await host.close(200);
    await expectNoFdLeak(fdBaseline);
  });

  describe('registration and calls', function () {
    it('registers an agent that dials the host and calls its services with typed clients', async function () {
      const online = once(host, 'online');
      const agent = newAgent('vm-a');
      const registration = await within(5000, 'registration', agent.connect(targets.agentConnect));
      expect(registration.peer).to.match(asPattern(targets.identity));
      const [info] = (await within(1000, 'online event', online)) as [AgentInfo];
      expect(info).to.include({ id: 'vm-a', version: '1.2.3', state: 'online', dialed: false, protocolVersion: '1.0' });
      expect(info.labels).to.deep.equal({ role: 'test' });
      expect(info.services).to.deep.equal(['vmrpc.echo.v1.Echo']);
      expect(host.list().map((a) => a.id)).to.deep.equal(['vm-a']);
      expect(host.get('vm-a')?.peer).to.equal(registration.peer);

      const echo = host.agent('vm-a').client(EchoService);
      const answer = await within(5000, 'say', echo.say({ message: 'hello' }));
      expect(answer.message).to.equal('vm-a: hello');
      const repeated: string[] = [];
      for await (const item of echo.repeat({ message: 'r', count: 3, intervalMs: 1 })) repeated.push(item.message);
      expect(repeated).to.deep.equal(['vm-a: r #0', 'vm-a: r #1', 'vm-a: r #2']);
      const failed = await rpcError(echo.say({ message: 'fail' }));
      expect(failed.code).to.equal(Status.FAILED_PRECONDITION);
    });

    it('serves the host\'s own services to agents and tells the host which agent called', async function () {
      let caller: AgentInfo | undefined;
      host.add(EchoService, {
        async say(request, context) {
          caller = host.callerOf(context);
          return { message: `host: ${request.message}` };
        },
        async *repeat() {},
      });
      const agent = newAgent('vm-caller');
      const registration = await within(5000, 'registration', agent.connect(targets.agentConnect));
      expect(registration.hostServices).to.include('vmrpc.echo.v1.Echo');
      const answer = await within(5000, 'host call', agent.hostClient(EchoService).say({ message: 'config?' }));
      expect(answer.message).to.equal('host: config?');
      expect(caller?.id).to.equal('vm-caller');
    });

    it('dials an agent that listens and gets the same registration', async function () {
      const agent = newAgent('vm-listening');
      await agent.listen(targets.agentListen);
      const info = await within(5000, 'host dial', host.connect(targets.hostDial));
      expect(info).to.include({ id: 'vm-listening', dialed: true, state: 'online' });
      const answer = await within(5000, 'say', host.agent('vm-listening').client(EchoService).say({ message: 'dialed' }));
      expect(answer.message).to.equal('vm-listening: dialed');
      // The host keeps the link: losing it makes the host dial again and the agent register again.
      const offline = nextOffline(host, 'vm-listening');
      const back = new Promise<AgentInfo>((resolve) => host.on('online', resolve));
      host.disconnect(targets.hostDial);
      await within(3000, 'offline after disconnect', offline);
      void host.connect(targets.hostDial);
      expect((await within(5000, 'registered again', back)).id).to.equal('vm-listening');
    });

    it('reports updates of name, labels and services', async function () {
      const agent = newAgent('vm-update');
      await within(5000, 'registration', agent.connect(targets.agentConnect));
      const updated = once(host, 'updated');
      agent.update({ name: 'renamed', labels: { zone: 'b' } });
      const [info] = (await within(2000, 'updated event', updated)) as [AgentInfo];
      expect(info).to.include({ name: 'renamed' });
      expect(info.labels).to.deep.equal({ zone: 'b' });
    });
  });

  describe('lifecycle', function () {
    it('drains on close: the host sees `shutdown`, then calls fail fast with UNAVAILABLE', async function () {
      const agent = newAgent('vm-drain');
      await within(5000, 'registration', agent.connect(targets.agentConnect));
      const echo = host.agent('vm-drain').client(EchoService);
      // A call in progress (its first message arrived) when the drain starts is allowed to finish.
      let first!: () => void;
      const started = new Promise<void>((resolve) => (first = resolve));
      const slow = (async () => {
        const items: string[] = [];
        for await (const item of echo.repeat({ message: 'slow', count: 3, intervalMs: 100 })) {
          items.push(item.message);
          first();
        }
        return items;
      })();
      await within(5000, 'first message', started);
      const offline = nextOffline(host, 'vm-drain');
      await within(5000, 'agent close', agent.close(3000));
      expect(await within(3000, 'call in progress', slow)).to.have.length(3);
      const [info, reason] = await within(2000, 'offline', offline);
      expect(reason).to.equal('shutdown');
      expect(info.state).to.equal('offline');
      const calledAt = Date.now();
      const error = await rpcError(echo.say({ message: 'anyone?' }));
      expect(error.code).to.equal(Status.UNAVAILABLE);
      expect(error.details).to.match(/vm-drain is offline \(shutdown\)/);
      expect(Date.now() - calledAt).to.be.below(500);
    });

    it('ends calls in progress with UNAVAILABLE when the agent goes away', async function () {
      // The agent dials through a socket factory (a public seam): every connection it opens,
      // session and call links alike, is one the test can cut.
      const opened: VmSocket[] = [];
      const agent = newAgent('vm-vanish');
      await within(5000, 'registration', agent.connect(async (signal) => {
        const socket = await connect(targets.agentConnect, { signal });
        opened.push(socket);
        return socket;
      }));
      const echo = host.agent('vm-vanish').client(EchoService);
      let first!: () => void;
      const started = new Promise<void>((resolve) => (first = resolve));
      const consumed = (async () => {
        let count = 0;
        for await (const _ of echo.repeat({ message: 'long', count: 1000, intervalMs: 20 })) {
          count++;
          first();
        }
        return count;
      })();
      consumed.catch(() => undefined);
      await within(5000, 'first message', started);
      // Abrupt: the agent's sockets close without a goodbye (as when its process dies).
      for (const socket of opened) socket.destroy();
      const error = await rpcError(within(3000, 'stream end', consumed));
      expect(error.code).to.equal(Status.UNAVAILABLE);
    });

    it('comes back after the host restarts, within the backoff bound', async function () {
      const agent = newAgent('vm-restart');
      await within(5000, 'registration', agent.connect(targets.agentConnect));
      const draining = once(agent, 'hostDraining');
      await host.close(100);
      await within(2000, 'agent told of the drain', draining);
      host = new AgentHost(HOST);
      await host.listen(targets.hostListen);
      const started = Date.now();
      const info = await within(5000, 'registered again', host.waitFor('vm-restart'));
      expect(info.state).to.equal('online');
      // Backoff max 200 ms with 20% jitter, plus a connect and a registration.
      expect(Date.now() - started).to.be.below(2000);
      const answer = await within(5000, 'say', host.agent('vm-restart').client(EchoService).say({ message: 'again' }));
      expect(answer.message).to.equal('vm-restart: again');
    });

    it('closes at once while it has no host yet, and connect() says why', async function () {
      const agent = newAgent('vm-lonely');
      const reconnecting = once(agent, 'reconnecting');
      const connecting = agent.connect(targets.otherConnect);
      connecting.catch(() => undefined);
      await within(3000, 'a retry', reconnecting);
      const started = Date.now();
      await agent.close(5000);
      expect(Date.now() - started).to.be.below(500);
      expect(agent.state).to.equal('closed');
      expect((await rejection(connecting)).message).to.match(/closed before it registered/);
    });

    it('rejects (never throws) on a malformed target, naming it', async function () {
      const agent = newAgent('vm-typo');
      let result: Promise<unknown> | undefined;
      expect(() => (result = agent.connect('vsock:two:22093'))).to.not.throw();
      const error = await rejection(result!);
      expect(error.code).to.equal('ERR_VMRPC_INVALID_TARGET');
      expect(error.message).to.match(/two/);
    });

    it('waitFor() is bounded', async function () {
      const error = await rejection(host.waitFor('nobody', { timeoutMs: 100 }));
      expect(error.code).to.equal('ETIMEDOUT');
      const aborted = await rejection(host.waitFor('nobody', { signal: AbortSignal.timeout(50) }));
      expect(aborted.name).to.equal('TimeoutError');
    });
  });

  describe('identity and security', function () {
    it('refuses a registration of a bound id from another peer, and keeps the owner', async function () {
      await host.listen(targets.otherListen);
      const owner = newAgent('vm-owned');
      await within(5000, 'owner registration', owner.connect(targets.agentConnect));
      const spoof = newAgent('vm-owned');
      const closed = once(spoof, 'close');
      const error = await rpcError(within(5000, 'spoof', spoof.connect(targets.otherConnect)));
      expect(error.code).to.equal(Status.PERMISSION_DENIED);
      expect(error.details).to.match(/bound to peer/);
      await within(1000, 'spoofing agent stops', closed);
      expect(host.get('vm-owned')?.state).to.equal('online');
      const answer = await within(5000, 'owner still served', host.agent('vm-owned').client(EchoService).say({ message: 'still me' }));
      expect(answer.message).to.equal('vm-owned: still me');
    });

    it('refuses a call link from another peer than its session, even with the right token', async function () {
      await host.listen(targets.otherListen);
      // A hand-driven session (as an agent would run it) to learn the session id and token.
      const registry = createClient(agentProtocol.AgentRegistryService, targets.agentConnect);
      const outgoing = queue<DeepPartial<agentProtocol.AgentMessage>>();
      outgoing.push({ kind: { $case: 'register', register: { protocol: { major: 1, minor: 0 }, agentId: 'vm-token' } } });
      const responses = registry.session(outgoing.iterable)[Symbol.asyncIterator]();
      const first = await within(5000, 'registered', responses.next());
      const registered = first.value?.kind?.$case === 'registered' ? first.value.kind.registered : undefined;
      expect(registered?.sessionId).to.be.a('string');
      const socket = await connect(targets.otherConnect);
      socket.write(`VMRPC-LINK/1 calls ${registered!.sessionId} ${Buffer.from(registered!.linkToken).toString('base64url')}\n`);
      expect(await within(3000, 'answer', readLine(socket))).to.match(/^ERR this session belongs to another peer/);
      socket.destroy();
      outgoing.end();
      closeClient(registry);
    });

    it('asks authorize, and limits agents per peer', async function () {
      await host.close(100);
      host = new AgentHost({ ...HOST, maxAgentsPerPeer: 1, authorize: (_peer, registration) => registration.agentId !== 'vm-denied' });
      await host.listen(targets.hostListen);
      const denied = await rpcError(within(5000, 'denied', newAgent('vm-denied').connect(targets.agentConnect)));
      expect(denied.code).to.equal(Status.PERMISSION_DENIED);
      await within(5000, 'first', newAgent('vm-first').connect(targets.agentConnect));
      const second = newAgent('vm-second');
      const refusal = once(second, 'disconnected');
      void second.connect(targets.agentConnect).catch(() => undefined);
      const [refused] = (await within(5000, 'second refused', refusal)) as [RpcError];
      expect(refused.code).to.equal(Status.RESOURCE_EXHAUSTED);
      expect(refused.details).to.match(/maxAgentsPerPeer/);
      expect(second.state).to.equal('connecting');
    });

    it('lets an agent of a newer minor version register and ignores what it does not know', async function () {
      // A 1.9 agent as it would be on the wire: fields and a message kind this host has never
      // seen, sent by a plain grpc-js client with hand-made bytes.
      const channel = createChannel(targets.agentConnect);
      const raw = new grpc.Client('agent-host', grpc.credentials.createInsecure(), { channelOverride: channel });
      const call = raw.makeBidiStreamRequest('/vmrpc.agent.v1.AgentRegistry/Session', (bytes: Buffer) => bytes, (bytes: Buffer) => agentProtocol.HostMessage.decode(bytes));
      const responses: agentProtocol.HostMessage[] = [];
      call.on('data', (message: agentProtocol.HostMessage) => responses.push(message));
      call.on('error', () => undefined);
      // The first host message of a kind, waited for by its 'data' event.
      const arrival = (kind: string): Promise<void> =>
        new Promise((resolve) => {
          const check = (message: agentProtocol.HostMessage): void => {
            if (message.kind?.$case !== kind) return;
            call.off('data', check);
            resolve();
          };
          call.on('data', check);
        });
      const registered = arrival('registered');
      const heartbeatAnswered = arrival('heartbeat');
      // AgentMessage.register (field 1) holding a Register with an unknown field 99.
      const register = Buffer.concat([agentProtocol.Register.encode({ protocol: { major: 1, minor: 9 }, agentId: 'vm-newer', version: '9' }), varintField(99, 1)]);
      call.write(lengthField(1, register));
      await within(5000, 'registered', registered);
      expect(responses[0]?.kind?.$case).to.equal('registered');
      expect(host.get('vm-newer')?.protocolVersion).to.equal('1.9');
      // An AgentMessage of a kind added in 1.9 (oneof field 10), then a heartbeat: the first is
      // ignored, the second answered, and the session stays up.
      call.write(lengthField(10, Buffer.from('metrics')));
      call.write(agentProtocol.AgentMessage.encode({ kind: { $case: 'heartbeat', heartbeat: { sequence: 7n } } }));
      await within(2000, 'heartbeat answer', heartbeatAnswered);
      expect(responses.find((message) => message.kind?.$case === 'heartbeat')?.kind).to.deep.equal({ $case: 'heartbeat', heartbeat: { sequence: 7n } });
      expect(host.get('vm-newer')?.state).to.equal('online');
      call.end();
      raw.close();
    });

    it('refuses another major version and malformed registrations with a reason', async function () {
      const registry = createClient(agentProtocol.AgentRegistryService, targets.agentConnect);
      const attempt = async (register: DeepPartial<agentProtocol.Register>): Promise<RpcError> => {
        const outgoing = queue<DeepPartial<agentProtocol.AgentMessage>>();
        outgoing.push({ kind: { $case: 'register', register } });
        const responses = registry.session(outgoing.iterable)[Symbol.asyncIterator]();
        return rpcError(within(5000, 'refusal', responses.next()));
      };
      const major = await attempt({ protocol: { major: 2, minor: 0 }, agentId: 'vm-v2' });
      expect(major.code).to.equal(Status.FAILED_PRECONDITION);
      expect(major.details).to.match(/protocol 2\.0 is not supported; this host speaks 1\.0/);
      const badId = await attempt({ protocol: { major: 1, minor: 0 }, agentId: 'bad id\n' });
      expect(badId.code).to.equal(Status.INVALID_ARGUMENT);
      expect(badId.details).to.match(/agent_id/);
      const tooMany = await attempt({ protocol: { major: 1, minor: 0 }, agentId: 'vm-labels', labels: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])) });
      expect(tooMany.code).to.equal(Status.INVALID_ARGUMENT);
      expect(tooMany.details).to.match(/labels: at most 64/);
      closeClient(registry);
    });

    it('ends a session that never registers, and survives garbage on the listener', async function () {
      const registry = createClient(agentProtocol.AgentRegistryService, targets.agentConnect);
      const silent = queue<DeepPartial<agentProtocol.AgentMessage>>();
      const started = Date.now();
      const error = await rpcError(within(5000, 'registration timeout', registry.session(silent.iterable)[Symbol.asyncIterator]().next()));
      expect(error.code).to.equal(Status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.within(1500, 4000);
      closeClient(registry);
      // 'P' alone and then silence: one right byte must not buy a connection held for ever.
      for (const garbage of ['VMRPC-LINK/1 calls x\n', 'VMRPC-LINK/1 session\n', 'V'.repeat(300), 'VMRPC-LINK/1 calls abcdefgh AAAAAAAAAAAAAAAAAAAAAA\n', 'P', 'PRI * HTTP/1.1\r\n\r\n']) {
        const socket = await connect(targets.agentConnect);
        socket.write(garbage);
        socket.on('error', () => undefined);
        const answer = await within(3000, 'garbage answer', readLine(socket));
        expect(answer, JSON.stringify(garbage)).to.match(/^ERR /);
        socket.destroy();
      }
      const agent = newAgent('vm-after-garbage');
      await within(5000, 'still serving', agent.connect(targets.agentConnect));
    });

    it('ends the session of an agent that sends without reading (the host does not queue without end)', async function () {
      // A raw HTTP/2 client with a 64-byte receive window that never reads: the host's answers
      // to its heartbeats pile up until the host gives up on it. A long heartbeat timeout, so
      // that only the bound can end the session (a slow guest could let a short one fire first).
      await host.close(100);
      host = new AgentHost({ ...HOST, heartbeatIntervalMs: 5000, heartbeatTimeoutMs: 60_000 });
      await host.listen(targets.hostListen);
      const socket = await connect(targets.agentConnect);
      const session = http2.connect('http://agent-host', { createConnection: () => socket, settings: { initialWindowSize: 64 } });
      session.on('error', () => undefined);
      const stream = session.request({ ':method': 'POST', ':path': '/vmrpc.agent.v1.AgentRegistry/Session', 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => undefined);
      stream.pause();
      const grpcMessage = (message: Parameters<typeof agentProtocol.AgentMessage.encode>[0]): Buffer => {
        const body = agentProtocol.AgentMessage.encode(message);
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(body.length, 1);
        return Buffer.concat([prefix, body]);
      };
      const wentOffline = nextOffline(host, 'vm-flood');
      stream.write(grpcMessage({ kind: { $case: 'register', register: { protocol: { major: 1, minor: 0 }, agentId: 'vm-flood' } } }));
      await within(5000, 'registration', host.waitFor('vm-flood'));
      const heartbeats = Buffer.concat(Array.from({ length: 2000 }, (_, i) => grpcMessage({ kind: { $case: 'heartbeat', heartbeat: { sequence: BigInt(i) } } })));
      stream.write(heartbeats);
      const [, reason] = await within(5000, 'offline', wentOffline);
      expect(reason).to.equal('refused');
      session.destroy();
    });

    it('refuses a peer the listener\'s authorize rejects, before reading a byte', async function () {
      const seen: string[] = [];
      await host.listen(targets.otherListen, {
        authorize: (identity) => {
          seen.push(identity);
          return false;
        },
      });
      const socket = await connect(targets.otherConnect);
      socket.on('error', () => undefined);
      expect(await within(3000, 'refusal', readLine(socket))).to.match(/^ERR peer .* not authorized/);
      expect(seen).to.have.length(1);
      socket.destroy();
    });

    it('serves the agent list only on admin listeners', async function () {
      const agent = newAgent('vm-listed');
      await within(5000, 'registration', agent.connect(targets.agentConnect));
      await host.listen(targets.otherListen, { admin: true });
      const admin = createClient(agentProtocol.AgentDirectoryService, targets.otherConnect);
      const listed = await within(5000, 'list', admin.listAgents({}));
      expect(listed.agents.map((a) => a.agentId)).to.deep.equal(['vm-listed']);
      expect(listed.agents[0]?.state).to.equal(agentProtocol.AgentState.AGENT_STATE_ONLINE);
      const guestSide = createClient(agentProtocol.AgentDirectoryService, targets.agentConnect);
      expect((await rpcError(guestSide.listAgents({}))).code).to.equal(Status.PERMISSION_DENIED);
      closeClient(admin);
      closeClient(guestSide);
    });
  });
}

/** Protocol-buffer wire format by hand, for messages a newer version of the protocol would send. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  for (; value > 0x7f; value >>>= 7) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return bytes;
}

function varintField(field: number, value: number): Buffer {
  return Buffer.from([...varint(field << 3), ...varint(value)]);
}

function lengthField(field: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);
}

function asPattern(value: string | RegExp): RegExp {
  return typeof value === 'string' ? new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : value;
}

/** A push-driven request stream for hand-driven sessions. */
function queue<T>(): { push(item: T): void; end(): void; iterable: AsyncIterable<T> } {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    push(item) {
      items.push(item);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (items.length > 0) yield items.shift()!;
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    },
  };
}

/** Resolves when something (the gateway's wait) subscribes to the host's `online` event. */
export function waitStarted(host: AgentHost): Promise<void> {
  const events = host as unknown as EventEmitter;
  return new Promise((resolve) => {
    const onNew = (event: string): void => {
      if (event !== 'online') return;
      events.off('newListener', onNew);
      resolve();
    };
    events.on('newListener', onNew);
  });
}

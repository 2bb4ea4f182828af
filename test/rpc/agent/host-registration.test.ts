// A registration in progress on the host (after its Register, during `authorize`): a link that
// dies meanwhile, a host that closes meanwhile, and an authorize that fails rather than refuses.
// Real AgentHost and GuestAgent over Unix sockets; `authorize` is the test's hand on the timing.
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { AgentHost, GuestAgent, RpcError, Status, type AgentHostOptions, type AgentInfo } from '@vmrpc/rpc';
import { connect, parseTarget, type VmSocket } from '@vmrpc/native';
import { expect } from 'chai';
import { socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { FAST } from './agent-suite.js';
import { echoImplementation } from './echo-agent.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

/** The macrotask turn after every microtask queued now: a handler resumed by a promise has acted. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('AgentHost: a registration in progress', function () {
  this.timeout(20_000);
  let target: string;
  let host: AgentHost | undefined;
  let agent: GuestAgent | undefined;
  const releases: (() => void)[] = [];

  function newHost(options: AgentHostOptions): AgentHost {
    host = new AgentHost({ ...FAST, ...options });
    return host;
  }

  function newAgent(id: string, registrationTimeoutMs = 2000): GuestAgent {
    agent = new GuestAgent({ id, reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs }).add(EchoService, echoImplementation(id));
    return agent;
  }

  beforeEach(function () {
    target = `unix:${socketPath('host-registration')}`;
  });

  afterEach(async function () {
    for (const release of releases.splice(0)) release();
    await agent?.close(0);
    await host?.close(0);
    agent = undefined;
    host = undefined;
  });

  it('a registration whose link died while authorize ran does not land: the agent\'s newer session stays', async function () {
    const firstAsked = deferred<void>();
    const firstAnswer = deferred<boolean>();
    releases.push(() => firstAnswer.resolve(false));
    let calls = 0;
    const h = newHost({
      authorize: () => {
        if (++calls > 1) return true;
        firstAsked.resolve();
        return firstAnswer.promise;
      },
    });
    await h.listen(target);
    const a = newAgent('vm-stale');
    const closed: unknown[] = [];
    a.on('close', (error) => closed.push(error));
    const sockets: VmSocket[] = [];
    const registered = a.connect(async (signal) => {
      const socket = await connect(parseTarget(target), { signal });
      sockets.push(socket);
      return socket;
    });
    await within(5000, 'the first authorize', firstAsked.promise);
    sockets[0]!.destroy();
    await within(5000, 'registration over the new link', registered);
    firstAnswer.resolve(true);
    await nextTurn();
    const reply = await within(5000, 'a call to the agent', h.agent('vm-stale').client(EchoService).say({ message: 'still there?' }));
    expect(reply.message).to.equal('vm-stale: still there?');
    expect(closed, 'the agent was not told ALREADY_EXISTS').to.deep.equal([]);
    expect(a.state).to.equal('registered');
    expect(h.get('vm-stale')?.state).to.equal('online');
  });

  it('close() during authorize refuses the registration at once (UNAVAILABLE, no online event) and does not wait out the grace', async function () {
    const asked = deferred<void>();
    const answer = deferred<boolean>();
    releases.push(() => answer.resolve(false));
    const h = newHost({
      registrationTimeoutMs: 20_000,
      authorize: () => {
        asked.resolve();
        return answer.promise;
      },
    });
    await h.listen(target);
    const online: string[] = [];
    h.on('online', (info: AgentInfo) => online.push(info.id));
    const a = newAgent('vm-closing', 20_000);
    const disconnected = once(a, 'disconnected');
    void a.connect(target).catch(() => undefined);
    await within(5000, 'authorize', asked.promise);
    await within(5000, 'close(30000) with only a registration in progress', h.close(30_000));
    const [error] = (await within(5000, 'the agent is told', disconnected)) as [RpcError];
    expect(error).to.be.instanceOf(RpcError);
    expect(error.code).to.equal(Status.UNAVAILABLE);
    expect(error.details).to.equal('the agent host is closing');
    answer.resolve(true);
    await nextTurn();
    expect(online).to.deep.equal([]);
    expect(h.list()).to.deep.equal([]);
  });

  it('close() does not wait for a Session call that never sends its registration: it ends UNAVAILABLE at once', async function () {
    const h = newHost({ registrationTimeoutMs: 20_000 });
    const path = target.slice('unix:'.length);
    await h.listen(target);
    const client = http2.connect('http://agent-host', { createConnection: () => net.connect(path) });
    client.on('error', () => undefined);
    try {
      const stream = client.request({ ':method': 'POST', ':path': '/vmrpc.agent.v1.AgentRegistry/Session', 'content-type': 'application/grpc', te: 'trailers' });
      stream.on('error', () => undefined);
      const status = new Promise<http2.IncomingHttpHeaders>((resolve) => {
        const check = (headers: http2.IncomingHttpHeaders): void => {
          if (headers['grpc-status'] !== undefined) resolve(headers);
        };
        stream.on('response', check);
        stream.on('trailers', check);
      });
      stream.resume();
      await within(5000, 'connect', once(client, 'connect'));
      // The host answers a PING after the frames before it: the Session call has begun.
      await within(5000, 'ping', new Promise<void>((resolve, reject) => client.ping((error) => (error ? reject(error) : resolve()))));
      const closing = h.close(30_000);
      const headers = await within(5000, 'the call\'s status', status);
      expect(headers['grpc-status']).to.equal(String(Status.UNAVAILABLE));
      expect(decodeURIComponent(String(headers['grpc-message']))).to.equal('the agent host is closing');
      client.destroy();
      await within(5000, 'close(30000) once the caller hung up', closing);
    } finally {
      client.destroy();
    }
  });

  it('an authorize that throws is UNAVAILABLE: the agent retries and registers', async function () {
    let calls = 0;
    const h = newHost({
      authorize: () => {
        if (++calls === 1) throw new Error('the inventory service is unreachable');
        return true;
      },
    });
    await h.listen(target);
    const a = newAgent('vm-hiccup');
    const failures: Error[] = [];
    a.on('disconnected', (error) => failures.push(error));
    await within(5000, 'registration after one failed authorize', a.connect(target));
    expect(failures).to.have.length(1);
    expect(failures[0]).to.be.instanceOf(RpcError);
    expect((failures[0] as RpcError).code).to.equal(Status.UNAVAILABLE);
    expect((failures[0] as RpcError).details).to.equal('the host could not decide whether agent vm-hiccup may register (authorize failed: the inventory service is unreachable); try again later');
    expect(h.get('vm-hiccup')?.state).to.equal('online');
  });

  it('an authorize that does not answer in time is UNAVAILABLE too; an answer of false is PERMISSION_DENIED (final)', async function () {
    let calls = 0;
    const never = deferred<boolean>();
    releases.push(() => never.resolve(false));
    const h = newHost({
      registrationTimeoutMs: 300,
      authorize: (_peer, registration) => {
        if (registration.agentId === 'vm-denied') return false;
        return ++calls === 1 ? never.promise : true;
      },
    });
    await h.listen(target);
    const a = newAgent('vm-slow');
    const failures: Error[] = [];
    a.on('disconnected', (error) => failures.push(error));
    await within(5000, 'registration after one authorize timed out', a.connect(target));
    expect((failures[0] as RpcError).code).to.equal(Status.UNAVAILABLE);
    expect((failures[0] as RpcError).details).to.equal('the host could not decide whether agent vm-slow may register (authorize failed: authorize did not answer within 300 ms); try again later');
    await a.close(0);
    const denied = newAgent('vm-denied');
    const error = (await within(5000, 'a refused agent', denied.connect(target).then(
      () => undefined,
      (thrown: unknown) => thrown,
    ))) as RpcError;
    expect(error.code).to.equal(Status.PERMISSION_DENIED);
    expect(denied.state).to.equal('closed');
  });
});

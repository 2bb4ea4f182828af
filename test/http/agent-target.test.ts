/**
 * How VmHttpAgent picks, connects and pools a request's target: a target function runs once per
 * request, and the socket is connected, pooled and counted under that one answer; address objects
 * are connected as given; bad connect options fail when the agent, dispatcher or connector is made.
 */
import * as http from 'node:http';
import { expect } from 'chai';
import { VmHttpAgent, VmHttpsAgent, http2Connector, serve, type VmHttpListener } from '@vmrpc/http';
import { createVmDispatcher } from '@vmrpc/http/undici';
import { formatTarget, type VmAddress, type VmSocket } from '@vmrpc/native';
import { cleanupsWithoutFdLeaks, socketPath, within } from '../support/checks.js';
import { request } from './support/http-client.js';

describe('VmHttpAgent: one target per request', function () {
  const cleanups = cleanupsWithoutFdLeaks();

  /** A server on a fresh Unix socket that answers with its name; `onRequest` runs first. */
  async function vm(name: string, onRequest: () => void = () => undefined): Promise<string> {
    const target = `unix:${socketPath(name)}`;
    const server = http.createServer((_req, res) => {
      onRequest();
      res.end(name);
    });
    const listener: VmHttpListener = await serve(server, target);
    cleanups.push(() => listener.close(1000));
    return target;
  }

  function agentWith(options: ConstructorParameters<typeof VmHttpAgent>[0]): VmHttpAgent {
    const agent = new VmHttpAgent(options);
    cleanups.push(() => agent.destroy());
    return agent;
  }

  /** Every pooled socket of `agent` is connected to the target its pool key starts with; none is busy. */
  function expectPoolsMatchSockets(agent: http.Agent): void {
    expect(Object.values(agent.sockets).flat(), 'sockets still counted as busy').to.have.length(0);
    for (const [key, sockets] of Object.entries(agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        const remote = (socket as unknown as VmSocket).remoteVmAddress as VmAddress;
        expect(formatTarget(remote), `socket pooled under ${key}`).to.equal(key.slice(0, key.indexOf('|')));
      }
    }
  }

  it('calls a target function once per request and round-robins as it answers (maxSockets: 1)', async function () {
    const replicas = [await vm('replica-0'), await vm('replica-1')];
    let calls = 0;
    const agent = agentWith({ keepAlive: true, maxSockets: 1, target: () => replicas[calls++ % 2]! });
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push((await request('http://svc.internal/', { agent }, undefined, 3000)).body.toString());
    expect(answers).to.deep.equal(['replica-0', 'replica-1', 'replica-0', 'replica-1', 'replica-0', 'replica-1']);
    expect(calls).to.equal(6);
    expectPoolsMatchSockets(agent);
  });

  it('never sends a request to the VM a host name pointed at before it changed mid-request', async function () {
    const vms: Record<string, string> = {};
    const newVm = await vm('new');
    // The VM behind the name is replaced while request 1 is being answered by the old one.
    const oldVm = await vm('old', () => (vms['db.internal'] = newVm));
    vms['db.internal'] = oldVm;
    const agent = agentWith({ keepAlive: true, target: ({ hostname }) => vms[hostname]! });
    expect((await request('http://db.internal/', { agent }, undefined, 3000)).body.toString()).to.equal('old');
    expect((await request('http://db.internal/', { agent }, undefined, 3000)).body.toString()).to.equal('new');
    expectPoolsMatchSockets(agent);
  });

  it('connects an address object as given: a Unix path starting with "//" (formatted as unix:///...)', async function () {
    const path = socketPath('slashes');
    const server = http.createServer((_req, res) => res.end('reached'));
    const listener = await serve(server, `unix:${path}`);
    cleanups.push(() => listener.close(1000));
    // The kernel reads //tmp/x as /tmp/x.
    const address: VmAddress = { family: 'unix', path: `/${path}` };
    expect(formatTarget(address)).to.equal(`unix:///${path}`);
    const agent = agentWith({ target: address });
    expect((await within(3000, 'request', request('http://guest/', { agent }))).body.toString()).to.equal('reached');
  });
});

describe('VM HTTP clients: bad connect options fail when the client is made', function () {
  const target = 'unix:/tmp/vmrpc-never-connected.sock';
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['connectTimeout 0', { connectTimeout: 0 }, 'ERR_OUT_OF_RANGE', /options\.connectTimeout.*up to 2147483647, or Infinity/],
    ['connectTimeout NaN', { connectTimeout: NaN }, 'ERR_OUT_OF_RANGE', /options\.connectTimeout/],
    ['connectTimeout -5', { connectTimeout: -5 }, 'ERR_OUT_OF_RANGE', /options\.connectTimeout/],
    ['connectTimeout 2^31', { connectTimeout: 2 ** 31 }, 'ERR_OUT_OF_RANGE', /options\.connectTimeout/],
    ["dataPath 'bogus'", { dataPath: 'bogus' }, 'ERR_INVALID_ARG_VALUE', /dataPath must be 'auto', 'native-handle' or 'portable'/],
    ['bufferSize -1', { bufferSize: -1 }, 'ERR_OUT_OF_RANGE', /options\.bufferSize/],
  ];
  for (const [what, options, code, message] of cases) {
    it(`${what}: VmHttpAgent, VmHttpsAgent, createVmDispatcher and http2Connector throw ${code}`, function () {
      const makers: Array<[string, () => unknown]> = [
        ['VmHttpAgent', () => new VmHttpAgent({ target, ...options })],
        ['VmHttpsAgent', () => new VmHttpsAgent({ target, ...options })],
        ['createVmDispatcher', () => createVmDispatcher({ target, ...options })],
        ['http2Connector', () => http2Connector(target, options)],
      ];
      for (const [name, make] of makers) {
        expect(make, name).to.throw(message).with.property('code', code);
      }
    });
  }

  it('http2Connector: a malformed target throws ERR_VMRPC_INVALID_TARGET when the connector is made', function () {
    expect(() => http2Connector('vsock:three:80')).to.throw(/CID/).with.property('code', 'ERR_VMRPC_INVALID_TARGET');
    expect(() => http2Connector({ family: 'vsock', cid: -2, port: 80 })).to.throw(/CID/).with.property('code', 'ERR_VMRPC_INVALID_TARGET');
  });
});

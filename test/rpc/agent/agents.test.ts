// Guest agents and their host on the host machine: over Unix sockets, and over hybrid vsock
// (the host side of Firecracker / Cloud Hypervisor) with the muxer STAND-IN playing the VMM.
import * as net from 'node:net';
import { socketPath } from '../../support/checks.js';
import { FirecrackerMuxerStandIn } from '../../support/firecracker-muxer-standin.js';
import { agentSuite } from './agent-suite.js';

describe('agents over unix:', function () {
  this.timeout(20_000);
  agentSuite(() => {
    const host = socketPath('agent-host');
    const other = socketPath('agent-other');
    const agent = socketPath('agent-listen');
    return {
      hostListen: `unix:${host}`,
      agentConnect: `unix:${host}`,
      otherListen: `unix:${other}`,
      otherConnect: `unix:${other}`,
      agentListen: `unix:${agent}`,
      hostDial: `unix:${agent}`,
      identity: `unix:${host}`,
    };
  });
});

describe('agents over hybrid vsock (Firecracker muxer stand-in)', function () {
  this.timeout(20_000);
  let muxer: FirecrackerMuxerStandIn;
  let agentPath: string;
  const port = 22093;

  beforeEach(async function () {
    muxer = new FirecrackerMuxerStandIn(socketPath('fc-vsock'));
    await muxer.start();
    agentPath = socketPath('fc-agent');
    // The guest's vsock port 6000 is the agent's listener: the VMM relays host connections to it.
    muxer.guestListen(6000, (stream) => {
      const guest = net.connect(agentPath);
      stream.on('error', () => undefined);
      guest.on('error', () => undefined);
      stream.once('close', () => guest.destroy());
      guest.once('close', () => stream.destroy());
      stream.pipe(guest).pipe(stream);
    });
  });

  afterEach(async function () {
    await muxer.stop();
  });

  agentSuite(() => {
    const other = new FirecrackerMuxerStandIn(socketPath('fc-other'));
    return {
      // Guest -> host: a guest dialing CID 2 port P makes the VMM connect to <uds>_P.
      hostListen: `hybrid-vsock:${muxer.udsPath}:${port}`,
      agentConnect: `unix:${muxer.udsPath}_${port}`,
      otherListen: `hybrid-vsock:${other.udsPath}:${port}`,
      otherConnect: `unix:${other.udsPath}_${port}`,
      agentListen: `unix:${agentPath}`,
      hostDial: `hybrid-vsock:${muxer.udsPath}:6000`,
      identity: `hybrid-vsock:${muxer.udsPath}`,
    };
  });
});

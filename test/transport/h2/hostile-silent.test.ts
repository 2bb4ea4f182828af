// A peer that connects, sends the client preface and then nothing: with settingsTimeoutMs the
// session ends with GOAWAY(SETTINGS_TIMEOUT) instead of holding the socket for ever; without it
// an idle connection is left alone (call links may be idle), and a timely SETTINGS stops the timer.
import { H2ErrorCode, createH2Session, type H2Error } from '@vmrpc/transport';
import { expect } from 'chai';
import * as net from 'node:net';
import { within } from '../../support/checks.js';
import { PREFACE } from './raw.js';
import { closeHostileAfterEach, hostileConnection, opening } from './hostile.js';

describe('h2 engine: a silent peer and settingsTimeoutMs', () => {
  closeHostileAfterEach();

  it('server role: preface then silence ends with GOAWAY(SETTINGS_TIMEOUT) after settingsTimeoutMs', async () => {
    const setup = await hostileConnection({ settingsTimeoutMs: 150 });
    const started = Date.now();
    setup.peer.socket.write(PREFACE);
    const goaway = await setup.peer.frame('GOAWAY', (frame) => frame.type === 0x7);
    expect(goaway.payload.readUInt32BE(4)).to.equal(H2ErrorCode.SETTINGS_TIMEOUT);
    expect(Date.now() - started).to.be.at.least(140);
    const error = await setup.closeError();
    expect(error?.code).to.equal('ERR_VMRPC_HTTP2_PROTOCOL');
    expect(error?.message).to.equal('the peer sent no SETTINGS frame within 150 ms');
    await within(5000, 'socket closed', setup.peer.closed);
  });

  it('server role: a SETTINGS in time stops the timer', async () => {
    const setup = await hostileConnection({ settingsTimeoutMs: 60_000 });
    const { session } = await setup.session();
    const deadline = (): unknown => (session as unknown as { settingsDeadline: { timer: unknown } }).settingsDeadline.timer;
    expect(deadline(), 'the deadline runs').to.not.equal(undefined);
    setup.peer.socket.write(opening());
    await setup.peer.frame('SETTINGS ACK', (frame) => frame.type === 0x4 && (frame.flags & 1) === 1);
    expect(deadline(), 'the deadline stopped').to.equal(undefined);
    expect(session.closed).to.equal(false);
  });

  it('client role: a server that never sends SETTINGS ends the session with SETTINGS_TIMEOUT', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      const closed = new Promise<Error | undefined>((resolve) => createH2Session(socket, { role: 'client', settingsTimeoutMs: 100, onClose: resolve }));
      const error = (await within(5000, 'client session closed', closed)) as H2Error;
      expect(error.h2Code).to.equal(H2ErrorCode.SETTINGS_TIMEOUT);
    } finally {
      socket.destroy();
      for (const accepted of sockets) accepted.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects a settingsTimeoutMs that is not a positive number of ms, naming the option', () => {
    const socket = new net.Socket();
    expect(() => createH2Session(socket, { role: 'server', settingsTimeoutMs: 0 })).to.throw(RangeError, 'H2SessionOptions.settingsTimeoutMs must be a finite number of ms > 0, got 0');
    socket.destroy();
  });
});

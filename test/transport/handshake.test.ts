// A connection's HTTP/2 handshake on both engines: a server that accepts but never speaks HTTP/2,
// one that hangs up, one that answers something else. Each failure has a `code` (also in its
// message, so the channel's UNAVAILABLE details name it); the engine's connection bounds the
// handshake with its session's settingsTimeoutMs (one timer: the server is told
// GOAWAY(SETTINGS_TIMEOUT)). Real Unix sockets and a real grpc-js client.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as net from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createChannel, type Http2Engine } from '@vmrpc/transport';
import type * as StartModule from '../../packages/transport/dist/client/start-http2.js';
import { rejection, socketPath, within } from '../support/checks.js';
import { ConformanceClient } from './conformance-service.js';
import { unary } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';
import { parseFrames } from './h2/raw.js';

const require = createRequire(import.meta.url);
const { startHttp2 } = require(join(dirname(require.resolve('@vmrpc/transport/package.json')), 'dist/client/start-http2.js')) as typeof StartModule;

/** A Unix-socket server whose accepted sockets `onSocket` handles; what each sent is collected. */
async function peer(onSocket: (socket: net.Socket) => void): Promise<{ path: string; received: Buffer[]; ended: Promise<void>; close(): Promise<void> }> {
  const path = socketPath('handshake');
  const sockets: net.Socket[] = [];
  const received: Buffer[] = [];
  let ended!: () => void;
  const endedPromise = new Promise<void>((resolve) => (ended = resolve));
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.once('end', ended).once('close', ended);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    received,
    ended: endedPromise,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function start(engine: Http2Engine, path: string, handshakeTimeoutMs: number): Promise<Error & { code?: string; cause?: unknown }> {
  const socket = net.connect(path);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const options = { authority: 'localhost', secure: false, handshakeTimeoutMs, maxSessionMemory: 10, keepaliveTimeMs: 0, keepaliveTimeoutMs: 20_000, keepalivePermitWithoutCalls: false };
  try {
    return await within(5000, 'the handshake to fail', rejection(startHttp2(engine, socket, options)));
  } finally {
    socket.destroy();
  }
}

for (const engine of HTTP2_ENGINES) describe(`HTTP/2 handshake failures (${engine} HTTP/2)`, () => {
  it('a server that never answers: ERR_VMRPC_HTTP2_HANDSHAKE_TIMEOUT after handshakeTimeoutMs, no timer left', async () => {
    const mute = await peer(() => undefined);
    try {
      const before = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
      const started = Date.now();
      const error = await start(engine, mute.path, 200);
      expect(Date.now() - started).to.be.at.least(190);
      expect(error.code).to.equal('ERR_VMRPC_HTTP2_HANDSHAKE_TIMEOUT');
      expect(error.message).to.equal('HTTP/2 handshake did not complete within 200 ms (ERR_VMRPC_HTTP2_HANDSHAKE_TIMEOUT)');
      expect(process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length, 'timers').to.be.at.most(before);
      if (engine === 'vmrpc') {
        // The session's settings deadline ended it: the server was told why.
        await within(5000, 'the client to end the connection', mute.ended);
        const frames = parseFrames(Buffer.concat(mute.received), 24);
        const goaway = frames.find((frame) => frame.type === 0x7);
        expect(goaway?.payload.readUInt32BE(4), 'GOAWAY error code').to.equal(0x4); // SETTINGS_TIMEOUT
        expect((error.cause as { code?: string }).code).to.equal('ERR_VMRPC_HTTP2_PROTOCOL');
      }
    } finally {
      await mute.close();
    }
  });

  it('a server that hangs up: ERR_VMRPC_HTTP2_HANDSHAKE_FAILED', async () => {
    const rude = await peer((socket) => socket.destroy());
    try {
      const error = await start(engine, rude.path, 5000);
      expect(error.code).to.equal('ERR_VMRPC_HTTP2_HANDSHAKE_FAILED');
      expect(error.message).to.match(/HTTP\/2 handshake.*\(ERR_VMRPC_HTTP2_HANDSHAKE_FAILED\)$/);
    } finally {
      await rude.close();
    }
  });

  it('a server that answers HTTP/1.1: ERR_VMRPC_HTTP2_HANDSHAKE_FAILED', async () => {
    const http1 = await peer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
    try {
      const error = await start(engine, http1.path, 5000);
      expect(error.code).to.equal('ERR_VMRPC_HTTP2_HANDSHAKE_FAILED');
    } finally {
      await http1.close();
    }
  });

  it("a channel's call fails UNAVAILABLE with the code in its details", async () => {
    const mute = await peer(() => undefined);
    const client = new ConformanceClient('unused', grpc.credentials.createInsecure(), {
      channelOverride: createChannel(`unix:${mute.path}`, { http2: engine, handshakeTimeoutMs: 200 }),
    }) as unknown as ConformanceClient;
    try {
      const error = (await within(5000, 'the call to fail', rejection(unary(client, {})))) as unknown as grpc.ServiceError;
      expect(error.code).to.equal(grpc.status.UNAVAILABLE);
      expect(error.details).to.match(/handshake did not complete within 200 ms \(ERR_VMRPC_HTTP2_HANDSHAKE_TIMEOUT\)/);
    } finally {
      client.close();
      await mute.close();
    }
  });
});

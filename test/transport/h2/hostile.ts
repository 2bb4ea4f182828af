/**
 * The engine in the server role facing a hostile raw client: what its handlers were asked to do,
 * what its socket read and queued, and how the session ended. Real Unix sockets, real engine.
 */
import type { H2Error, H2SessionOptions } from '@vmrpc/transport';
import { within } from '../../support/checks.js';
import { HpackEncoder } from './internals.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener, engineServer, type EngineServer, type EngineSession } from './peers.js';
import { PREFACE, RawPeer, rawFrame } from './raw.js';

export const SETTINGS = rawFrame(0x4, 0, 0);
export const REQUEST = new HpackEncoder().encode([':method', 'POST', ':scheme', 'http', ':path', '/svc/M', ':authority', 'x']);

export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** What the server side of one hostile connection did. */
export interface Observed {
  /** Streams handed to onStream (handlers started). */
  handlers: RecordingListener[];
  /** Bytes the server's socket read, counted until the session closed. */
  bytesRead: number;
  /** The largest socket.writableLength (bytes queued towards the peer) seen after a read. */
  maxQueued: number;
}

export interface HostileSetup {
  server: EngineServer;
  peer: RawPeer;
  observed: Observed;
  /** The server session (once the connection arrived). */
  session(): Promise<EngineSession>;
  /** The session's onClose error, bounded. */
  closeError(): Promise<H2Error | undefined>;
  close(): Promise<void>;
}

const opened: HostileSetup[] = [];

/**
 * Installs the suite's hooks: every connection a test opened is closed after it, then the handle
 * leak check runs (in that order, so it sees the test's sockets closed).
 */
export function closeHostileAfterEach(): void {
  afterEach(async () => {
    for (const setup of opened.splice(0)) await setup.close();
  });
  checkLeaksAroundEachTest();
}

/** An engine server (options as given) with one raw client connected to it, preface not yet sent. */
export async function hostileConnection(options: Partial<H2SessionOptions> = {}): Promise<HostileSetup> {
  const observed: Observed = { handlers: [], bytesRead: 0, maxQueued: 0 };
  const server = await engineServer({
    onStream(stream) {
      const listener = new RecordingListener();
      listener.stream = stream;
      observed.handlers.push(listener);
      return listener;
    },
    ...options,
  });
  const peer = await RawPeer.connect(server.path);
  const session = async (): Promise<EngineSession> => {
    const entry = await within(5000, 'server session', server.firstSession);
    return entry;
  };
  void session().then((entry) => {
    // Ahead of the session's own listener: counts each read the session is about to handle.
    entry.socket.prependListener('data', (chunk: Buffer) => {
      if (!entry.session.closed) observed.bytesRead += chunk.length;
    });
    // After the session's listener, so this tick runs after the one flushing the read's answers
    // (the last read's too, the one that closes the session with its final flush).
    entry.socket.on('data', () => {
      process.nextTick(() => (observed.maxQueued = Math.max(observed.maxQueued, entry.socket.writableLength)));
    });
  });
  const setup: HostileSetup = {
    server,
    peer,
    observed,
    session,
    async closeError() {
      const entry = await session();
      return (await within(10000, 'server session closed', entry.closed)) as H2Error | undefined;
    },
    async close() {
      peer.socket.destroy();
      await server.close();
    },
  };
  opened.push(setup);
  return setup;
}

/** The client preface, an empty SETTINGS, then `frames`, as one Buffer. */
export function opening(frames: Buffer[] = []): Buffer {
  return Buffer.concat([PREFACE, SETTINGS, ...frames]);
}

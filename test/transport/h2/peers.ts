/**
 * Real peers for the engine's tests: node:http2 servers and clients and our engine's sessions,
 * over real Unix sockets, plus a listener that records what a stream is told.
 */
import { createH2Session, type H2Session, type H2SessionOptions, type H2Stream, type H2StreamListener, type HeaderList } from '@vmrpc/transport';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { socketPath, within } from '../../support/checks.js';

/** Everything one stream was told, with promises for its end. */
export class RecordingListener implements H2StreamListener {
  headers: HeaderList[] = [];
  chunks: Buffer[] = [];
  ended = false;
  reset: { code: number; error: Error | undefined } | undefined;
  drains = 0;
  /** Consume received DATA at once (credit the windows); false to hold it. */
  autoConsume = true;
  stream: H2Stream | undefined;
  private resolveDone!: () => void;
  /** Settles when the peer ended the stream or it was reset. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  onDataHook: ((data: Buffer, endStream: boolean) => void) | undefined;

  onHeaders(headers: HeaderList, endStream: boolean): void {
    this.headers.push(headers);
    if (endStream) this.finish();
  }
  onData(data: Buffer, endStream: boolean): void {
    this.chunks.push(Buffer.from(data));
    if (this.autoConsume) this.stream?.consume(data.length);
    this.onDataHook?.(data, endStream);
    if (endStream) this.finish();
  }
  onReset(code: number, error: Error | undefined): void {
    this.reset = { code, error };
    this.resolveDone();
  }
  onDrain(): void {
    this.drains++;
  }
  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }
  private finish(): void {
    this.ended = true;
    this.resolveDone();
  }
}

/** A header list as an object (last value wins), for assertions. */
export function headerObject(list: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
}

export interface NodeServer {
  path: string;
  server: http2.Http2Server;
  sessions: Set<http2.ServerHttp2Session>;
  close(): Promise<void>;
}

/** A node:http2 server on a fresh Unix socket. */
export async function nodeServer(onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, settings?: http2.Settings): Promise<NodeServer> {
  const path = socketPath('h2');
  const server = http2.createServer({ settings });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on('error', () => {}); // resets are asserted through the engine's side
    onStream(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    server,
    sessions,
    async close() {
      for (const session of sessions) session.destroy();
      await within(5000, 'node:http2 server close', new Promise<void>((resolve) => server.close(() => resolve())));
    },
  };
}

export interface EngineSession {
  session: H2Session;
  socket: net.Socket;
  /** Settles with onClose's error once the session closed. */
  closed: Promise<Error | undefined>;
}

/** Our engine in the client role over a Unix socket to `path`. */
export async function engineClient(path: string, options: Partial<H2SessionOptions> = {}): Promise<EngineSession> {
  const socket = net.connect(path);
  await within(5000, 'connect', new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)));
  return startEngine(socket, { role: 'client', ...options });
}

/** Our engine on a connected socket, with a promise for its onClose. */
export function startEngine(socket: net.Socket, options: H2SessionOptions): EngineSession {
  let resolveClosed!: (error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((resolve) => (resolveClosed = resolve));
  const session = createH2Session(socket, {
    ...options,
    onClose(error) {
      options.onClose?.(error);
      resolveClosed(error);
    },
  });
  return { session, socket, closed };
}

export interface EngineServer {
  path: string;
  sessions: EngineSession[];
  /** Settles with the first session's EngineSession. */
  firstSession: Promise<EngineSession>;
  close(): Promise<void>;
}

/** A net.Server on a fresh Unix socket whose connections run our engine in the server role. */
export async function engineServer(options: Partial<H2SessionOptions>): Promise<EngineServer> {
  const path = socketPath('h2e');
  const sessions: EngineSession[] = [];
  let resolveFirst!: (session: EngineSession) => void;
  const firstSession = new Promise<EngineSession>((resolve) => (resolveFirst = resolve));
  const server = net.createServer((socket) => {
    const entry = startEngine(socket, { role: 'server', ...options });
    sessions.push(entry);
    resolveFirst(entry);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    sessions,
    firstSession,
    async close() {
      for (const entry of sessions) entry.session.destroy();
      await within(5000, 'engine sessions close', Promise.all(sessions.map((entry) => entry.closed)));
      await within(5000, 'engine server close', new Promise<void>((resolve) => server.close(() => resolve())));
    },
  };
}

/** A node:http2 client session over a Unix socket. */
export async function nodeClient(path: string, options: http2.ClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(path), ...options });
  await within(5000, 'node:http2 connect', new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject)));
  return session;
}

export async function closeNodeClient(session: http2.ClientHttp2Session): Promise<void> {
  if (session.closed || session.destroyed) return;
  await within(5000, 'node:http2 client close', new Promise<void>((resolve) => session.close(() => resolve())));
}

/** The request headers of a gRPC call. */
export function grpcRequest(path: string, extra: HeaderList = []): HeaderList {
  return [':method', 'POST', ':scheme', 'http', ':path', path, ':authority', 'localhost', 'content-type', 'application/grpc', 'te', 'trailers', ...extra];
}

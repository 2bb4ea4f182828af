// A node:http2 server over a Unix socket that answers in gRPC's shape and refuses streams on cue
// (RST_STREAM REFUSED_STREAM, or GOAWAY), and the client calls transparent-retry.test.ts makes to it.
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { sha256, socketPath, within } from '../support/checks.js';

export const identity = (value: Buffer): Buffer => value;
const { NGHTTP2_REFUSED_STREAM } = http2.constants;

/** One request stream as the server saw it. */
export interface Arrival {
  connection: number;
  /** Its place on its connection (0: the first stream). */
  index: number;
  stream: http2.ServerHttp2Stream;
  headers: http2.IncomingHttpHeaders;
  /** How many times each request header came (a duplicate header would count 2). */
  headerCounts: Map<string, number>;
  /** The request body, once it ended. */
  body: Promise<Buffer>;
}

/** What the server answers for a request: its body's hash and the header it checks. */
export function answer(arrival: Arrival, body: Buffer): void {
  const message = Buffer.from(JSON.stringify({ sha: sha256(body), tag: arrival.headers['x-tag'], tags: arrival.headerCounts.get('x-tag') ?? 0 }));
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  arrival.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  arrival.stream.on('wantTrailers', () => arrival.stream.sendTrailers({ 'grpc-status': '0' }));
  arrival.stream.end(frame);
}

/** A node:http2 server whose `onStream` decides each stream's fate (answer() it, refuse it, hold it). */
export async function refusingServer(onStream: (arrival: Arrival) => void, settings: http2.Settings = {}) {
  const arrivals: Arrival[] = [];
  const sessions: http2.ServerHttp2Session[] = [];
  const server = http2.createServer({ settings });
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const headerCounts = new Map<string, number>();
    for (let i = 0; i < rawHeaders.length; i += 2) headerCounts.set(rawHeaders[i]!, (headerCounts.get(rawHeaders[i]!) ?? 0) + 1);
    const connection = sessions.indexOf(stream.session as http2.ServerHttp2Session);
    const chunks: Buffer[] = [];
    const body = new Promise<Buffer>((resolve) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
    stream.on('error', () => undefined);
    const arrival: Arrival = { connection, index: arrivals.filter((a) => a.connection === connection).length, stream, headers, headerCounts, body };
    arrivals.push(arrival);
    onStream(arrival);
  });
  const path = socketPath('retry');
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    arrivals,
    sessions,
    async close(): Promise<void> {
      for (const session of sessions) session.destroy();
      await within(5000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
    },
  };
}

/** Answers once the whole request is in. */
export function answerWhenComplete(arrival: Arrival): void {
  void arrival.body.then((body) => answer(arrival, body));
}

/** Refuses the stream unprocessed once its request is complete (so every byte went out before). */
export function refuseWhenComplete(arrival: Arrival): void {
  void arrival.body.then(() => arrival.stream.close(NGHTTP2_REFUSED_STREAM));
}

/** gRPC's framing of `messages`, as the client sends them. */
export function framed(messages: Buffer[]): Buffer {
  return Buffer.concat(messages.map((message) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(message.length, 1);
    return Buffer.concat([prefix, message]);
  }));
}

export interface Outcome {
  error: grpc.ServiceError | undefined;
  reply: { sha: string; tag: string; tags: number } | undefined;
  /** How many times the listener got response metadata. */
  metadataEvents: number;
}

export function tagged(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-tag', 'once');
  return metadata;
}

export function unaryCall(client: grpc.Client, message: Buffer, options: grpc.CallOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let metadataEvents = 0;
    const call = client.makeUnaryRequest('/retry.Test/Echo', identity, identity, message, tagged(), options, (error, value) =>
      resolve({ error: error ?? undefined, reply: value === undefined ? undefined : JSON.parse(value.toString()), metadataEvents }),
    );
    call.on('metadata', () => metadataEvents++);
  });
}

export function clientStreamCall(client: grpc.Client, messages: Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    let metadataEvents = 0;
    const call = client.makeClientStreamRequest('/retry.Test/Collect', identity, identity, tagged(), {}, (error, value) =>
      resolve({ error: error ?? undefined, reply: value === undefined ? undefined : JSON.parse(value.toString()), metadataEvents }),
    );
    call.on('metadata', () => metadataEvents++);
    for (const message of messages) call.write(message);
    call.end();
  });
}

export async function connected(client: grpc.Client): Promise<void> {
  await within(5000, 'the connection', new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve()))));
}

/** Resolves when `condition` holds after a stream arrives at `server` (event-based, no polling timer). */
export function waitFor(condition: () => boolean, server: { arrivals: Arrival[] } | undefined): Promise<void> {
  return new Promise((resolve) => {
    const arrivals = server!.arrivals;
    if (condition()) return resolve();
    const push = arrivals.push.bind(arrivals);
    arrivals.push = (...items: Arrival[]) => {
      const length = push(...items);
      if (condition()) {
        arrivals.push = push;
        resolve();
      }
      return length;
    };
  });
}

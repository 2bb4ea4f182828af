/** The Conformance service (protos/vmrpc/testing/v1/conformance.proto): loader, server and client types. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROTO_ROOT = path.resolve(here, '../../../protos');

export interface Request {
  payload?: Buffer;
  statusCode?: number;
  statusMessage?: string;
  delayMs?: number;
  responseCount?: number;
  responseSize?: number;
}

export interface Response {
  payload: Buffer;
  peer: string;
  echoedMetadata: string[];
  index: number;
  bytesReceived: string;
}

const definition = protoLoader.loadSync('vmrpc/testing/v1/conformance.proto', {
  includeDirs: [PROTO_ROOT],
  keepCase: false,
  longs: String,
  defaults: true,
});
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  vmrpc: { testing: { v1: { Conformance: grpc.ServiceClientConstructor } } };
};
export const ConformanceClient = loaded.vmrpc.testing.v1.Conformance;
export type ConformanceClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** Observations of the server, for tests that check what reached it. */
export interface ServerLog {
  cancelled: number;
  peers: string[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function statusError(request: Request, metadata?: grpc.Metadata): Partial<grpc.StatusObject> | null {
  if (!request.statusCode) return null;
  return { code: request.statusCode, details: request.statusMessage ?? '', metadata: metadata ?? new grpc.Metadata() };
}

function echoed(metadata: grpc.Metadata): string[] {
  return metadata.get('x-echo').map((value) => (Buffer.isBuffer(value) ? `bin:${value.toString('hex')}` : value));
}

export function conformanceServer(log: ServerLog): grpc.Server {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20, 'grpc.max_send_message_length': 64 << 20 });
  server.addService(ConformanceClient.service, {
    Unary: async (call: grpc.ServerUnaryCall<Request, Response>, callback: grpc.sendUnaryData<Response>) => {
      log.peers.push(call.getPeer());
      call.on('cancelled', () => log.cancelled++);
      const headers = new grpc.Metadata();
      headers.set('x-header', 'from-server');
      call.sendMetadata(headers);
      if (call.request.delayMs) await sleep(call.request.delayMs);
      const trailers = new grpc.Metadata();
      trailers.set('x-trailer', 'done');
      trailers.set('x-trailer-bin', Buffer.from([0, 1, 2, 255]));
      const error = statusError(call.request, trailers);
      if (error) return callback(error, null);
      const size = call.request.responseSize ?? 0;
      const payload = size > 0 ? Buffer.alloc(size, 7) : (call.request.payload ?? Buffer.alloc(0));
      callback(null, { payload, peer: call.getPeer(), echoedMetadata: echoed(call.metadata), index: 0, bytesReceived: String(call.request.payload?.length ?? 0) }, trailers);
    },
    ServerStream: async (call: grpc.ServerWritableStream<Request, Response>) => {
      call.on('cancelled', () => log.cancelled++);
      const count = call.request.responseCount ?? 0;
      for (let index = 0; index < count && !call.cancelled; index++) {
        const payload = createHash('sha256').update(String(index)).digest();
        const size = call.request.responseSize ?? 0;
        const ok = call.write({ payload: size > 0 ? Buffer.alloc(size, index % 256) : payload, peer: '', echoedMetadata: [], index, bytesReceived: '0' });
        if (!ok) await new Promise((resolve) => call.once('drain', resolve));
        if (call.request.delayMs) await sleep(call.request.delayMs);
      }
      const error = statusError(call.request);
      if (error) return void call.emit('error', error);
      call.end();
    },
    ClientStream: (call: grpc.ServerReadableStream<Request, Response>, callback: grpc.sendUnaryData<Response>) => {
      call.on('cancelled', () => log.cancelled++);
      const hash = createHash('sha256');
      let bytes = 0;
      let count = 0;
      call.on('data', (request: Request) => {
        hash.update(request.payload ?? Buffer.alloc(0));
        bytes += request.payload?.length ?? 0;
        count++;
      });
      call.on('end', () => callback(null, { payload: hash.digest(), peer: call.getPeer(), echoedMetadata: [], index: count, bytesReceived: String(bytes) }));
    },
    Bidi: (call: grpc.ServerDuplexStream<Request, Response>) => {
      call.on('cancelled', () => log.cancelled++);
      let index = 0;
      call.on('data', (request: Request) => {
        const error = statusError(request);
        if (error) return void call.emit('error', error);
        call.write({ payload: request.payload ?? Buffer.alloc(0), peer: '', echoedMetadata: [], index: index++, bytesReceived: '0' });
      });
      call.on('end', () => call.end());
    },
  });
  return server;
}

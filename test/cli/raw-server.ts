/**
 * A grpc-js server (the real peer) whose one unary (or bidi) method answers fixed bytes, for
 * responses no JSON request could make the test server send (a Timestamp past year 9999, proto2
 * messages).
 * Also: a minimal protobuf writer to build those bytes by hand.
 */
import * as grpc from '@grpc/grpc-js';
import { socketPath } from '../support/checks.js';

export interface RawServer {
  target: string;
  /** The request messages received, in order. */
  requests: Buffer[];
  close(): void;
}

/** Serves `path` (`/pkg.Service/Method`) on a fresh Unix socket, answering every call with `response`. */
export async function rawServer(path: string, response: Buffer): Promise<RawServer> {
  const server = new grpc.Server();
  const identity = (bytes: Buffer): Buffer => bytes;
  const method = { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
  const requests: Buffer[] = [];
  const answer = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>): void => {
    requests.push(call.request);
    callback(null, response);
  };
  server.addService({ call: method }, { call: answer });
  const target = `unix:${socketPath('cli-raw')}`;
  await new Promise<void>((resolve, reject) => server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error) => (error === null ? resolve() : reject(error))));
  return { target, requests, close: () => server.forceShutdown() };
}

/** As rawServer(), for a bidi method: every request is answered with `response` as it arrives. */
export async function rawBidiServer(path: string, response: Buffer): Promise<RawServer> {
  const server = new grpc.Server();
  const identity = (bytes: Buffer): Buffer => bytes;
  const method = { path, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
  const requests: Buffer[] = [];
  const answer = (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
    call.on('data', (request: Buffer) => {
      requests.push(request);
      call.write(response);
    });
    call.on('end', () => call.end());
  };
  server.addService({ call: method }, { call: answer });
  const target = `unix:${socketPath('cli-raw-bidi')}`;
  await new Promise<void>((resolve, reject) => server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error) => (error === null ? resolve() : reject(error))));
  return { target, requests, close: () => server.forceShutdown() };
}

function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = BigInt.asUintN(64, value);
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  return Buffer.from(bytes);
}

/** A varint field (int32, int64, bool, enum; negative numbers as 10 bytes, as int64 encodes them). */
export function varintField(number: number, value: bigint | number): Buffer {
  return Buffer.concat([varint(BigInt(number << 3)), varint(BigInt(value))]);
}

/** A length-delimited field (string, bytes, message). */
export function bytesField(number: number, content: Buffer | string): Buffer {
  const bytes = Buffer.from(content);
  return Buffer.concat([varint(BigInt((number << 3) | 2)), varint(BigInt(bytes.length)), bytes]);
}

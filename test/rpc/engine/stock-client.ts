/** The stock grpc-js client of the Streaming test service, and request helpers, for the engine server's tests. */
import * as grpc from '@grpc/grpc-js';
import { frameMessage } from '@vmrpc/transport';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import type { EngineFixture } from './engine-fixture.js';

export const ACT = '/vmrpc.testing.v1.Streaming/Act';
export const SUM = '/vmrpc.testing.v1.Streaming/Sum';
export const COUNT = '/vmrpc.testing.v1.Streaming/Count';
const Generic = grpc.makeGenericClientConstructor(StreamingService, 'Streaming');
export type StockClient = InstanceType<typeof Generic>;
export type Callback = (error: grpc.ServiceError | null, response?: Record<string, unknown>) => void;

export function stockClient(fx: EngineFixture, options: grpc.ChannelOptions = {}): StockClient {
  return new Generic(fx.target, grpc.credentials.createInsecure(), options);
}

/** A unary call of the stock client, with the response headers and the status it reported. */
export function stockUnary(client: StockClient, method: string, request: unknown, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}) {
  let headers: grpc.Metadata | undefined;
  let status: grpc.StatusObject | undefined;
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    const call = (client[method] as (...args: unknown[]) => grpc.ClientUnaryCall)(request, metadata, options, ((error, response) => (error ? reject(error) : resolve(response!))) as Callback);
    call.on('metadata', (received: grpc.Metadata) => (headers = received));
    call.on('status', (received: grpc.StatusObject) => (status = received));
  });
  return { result, headers: () => headers, status: () => status };
}

/** The error a call fails with; fails the test if it succeeds. */
export async function serviceError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

/** An Act request, gRPC-framed, for raw HTTP/2 requests. */
export const actRequest = (request: Parameters<typeof StreamingService.act.requestSerialize>[0]): Buffer => frameMessage(StreamingService.act.requestSerialize(request));

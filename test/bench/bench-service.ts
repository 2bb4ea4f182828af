/**
 * The benchmark service: raw-bytes methods (identity serializers), so figures measure the
 * transport and not a codec. Unary echoes; Stream sends `total` bytes in 64 KiB messages.
 */
import * as grpc from '@grpc/grpc-js';

const identity = (value: Buffer): Buffer => value;

export const BenchService: grpc.ServiceDefinition = {
  Unary: {
    path: '/vmrpc.bench.Bench/Unary',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  Stream: {
    path: '/vmrpc.bench.Bench/Stream',
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export const BenchClient = grpc.makeGenericClientConstructor(BenchService, 'Bench');
export type BenchClient = InstanceType<typeof BenchClient>;

export const STREAM_CHUNK = 64 * 1024;

export function benchServer(): grpc.Server {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  const chunk = Buffer.alloc(STREAM_CHUNK, 1);
  server.addService(BenchService, {
    Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request),
    Stream: async (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      let left = call.request.readBigUInt64BE(0);
      while (left > 0n && !call.cancelled) {
        const ok = call.write(chunk);
        left -= BigInt(STREAM_CHUNK);
        if (!ok) await new Promise((resolve) => call.once('drain', resolve));
      }
      call.end();
    },
  });
  return server;
}

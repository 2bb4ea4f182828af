import type { ClientWritableStream, Client as GrpcClient } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import { abortedError, prepareCall, type CallOptions } from './call-options';
import { singleResponse } from './single-response';
import { pumpRequests } from './request-pump';

/** Client streaming: a stream of requests, one response. */
export async function clientStreamingCall<Req, Res>(
  client: GrpcClient,
  method: MethodDescriptor<Req, Res, true, false>,
  requests: AsyncIterable<DeepPartial<Req>> | Iterable<DeepPartial<Req>>,
  options: CallOptions,
): Promise<Res> {
  if (options.signal?.aborted) throw abortedError(options.signal);
  const { metadata, options: grpcOptions } = prepareCall(options);
  let pump: ReturnType<typeof pumpRequests<DeepPartial<Req>>> | undefined;
  const result = singleResponse<Res, ClientWritableStream<DeepPartial<Req>>>(
    (callback) =>
      client.makeClientStreamRequest<DeepPartial<Req>, Res>(method.path, (value) => method.requestSerialize(value), (bytes) => method.responseDeserialize(bytes), metadata, grpcOptions, callback),
    options,
    (call) => {
      pump = pumpRequests(requests, call);
    },
  );
  try {
    return await result;
  } catch (error) {
    // The pump records its error before it cancels, so the cancellation finds it here.
    if (pump?.error !== undefined) throw pump.error.value;
    throw error;
  }
}

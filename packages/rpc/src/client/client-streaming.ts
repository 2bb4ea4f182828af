import type { Client as GrpcClient } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import { fromServiceError } from '../errors';
import type { DeepPartial } from '../types';
import { abortedError, observeCall, prepareCall, type CallOptions } from './call-options';
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
  let unhook = (): void => undefined;
  let pump: ReturnType<typeof pumpRequests<DeepPartial<Req>>> | undefined;
  const result = new Promise<Res>((resolve, reject) => {
    const call = client.makeClientStreamRequest<DeepPartial<Req>, Res>(
      method.path,
      (value) => method.requestSerialize(value),
      (bytes) => method.responseDeserialize(bytes),
      metadata,
      grpcOptions,
      (error, response) => {
        unhook();
        if (error) reject(fromServiceError(error));
        else resolve(response!);
      },
    );
    unhook = observeCall(call, options);
    pump = pumpRequests(requests, call);
  });
  try {
    return await result;
  } catch (error) {
    // The pump records its error before it cancels, so the cancellation finds it here.
    if (pump?.error !== undefined) throw pump.error.value;
    throw error;
  }
}

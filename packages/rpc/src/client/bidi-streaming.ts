import type { Client as GrpcClient } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import { fromServiceError } from '../errors';
import type { DeepPartial } from '../types';
import { abortedError, observeCall, prepareCall, type CallOptions } from './call-options';
import { pumpRequests } from './request-pump';

/**
 * Bidirectional streaming: requests are written as the iterable yields them while responses are
 * read. The call starts when iteration of the responses starts; leaving the loop early cancels it.
 */
export async function* bidiStreamingCall<Req, Res>(
  client: GrpcClient,
  method: MethodDescriptor<Req, Res, true, true>,
  requests: AsyncIterable<DeepPartial<Req>> | Iterable<DeepPartial<Req>>,
  options: CallOptions,
): AsyncGenerator<Res, void, undefined> {
  if (options.signal?.aborted) throw abortedError(options.signal);
  const { metadata, options: grpcOptions } = prepareCall(options);
  const call = client.makeBidiStreamRequest<DeepPartial<Req>, Res>(
    method.path,
    (value) => method.requestSerialize(value),
    (bytes) => method.responseDeserialize(bytes),
    metadata,
    grpcOptions,
  );
  const unhook = observeCall(call, options);
  const pump = pumpRequests(requests, call);
  let complete = false;
  try {
    for await (const response of call) yield response as Res;
    complete = true;
  } catch (error) {
    // The pump records its error before it cancels, so the cancellation finds it here.
    if (pump.error !== undefined) throw pump.error.value;
    throw fromServiceError(error);
  } finally {
    unhook();
    if (!complete) call.cancel();
  }
}

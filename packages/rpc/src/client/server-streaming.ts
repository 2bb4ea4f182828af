import type { Client as GrpcClient } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import { fromServiceError } from '../errors';
import type { DeepPartial } from '../types';
import { abortedError, observeCall, prepareCall, type CallOptions } from './call-options';

/**
 * Server streaming: one request, a stream of responses. The call starts when iteration starts;
 * leaving the loop early (break, throw) cancels it.
 */
export async function* serverStreamingCall<Req, Res>(
  client: GrpcClient,
  method: MethodDescriptor<Req, Res, false, true>,
  request: DeepPartial<Req>,
  options: CallOptions,
): AsyncGenerator<Res, void, undefined> {
  if (options.signal?.aborted) throw abortedError(options.signal);
  const { metadata, options: grpcOptions } = prepareCall(options);
  const call = client.makeServerStreamRequest<DeepPartial<Req>, Res>(
    method.path,
    (value) => method.requestSerialize(value),
    (bytes) => method.responseDeserialize(bytes),
    request,
    metadata,
    grpcOptions,
  );
  const unhook = observeCall(call, options);
  let complete = false;
  try {
    for await (const response of call) yield response as Res;
    complete = true;
  } catch (error) {
    throw fromServiceError(error);
  } finally {
    unhook();
    if (!complete) call.cancel();
  }
}

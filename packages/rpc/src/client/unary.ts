import type { Client as GrpcClient } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import { abortedError, prepareCall, type CallOptions } from './call-options';
import { singleResponse } from './single-response';

/** Unary: one request, one response. */
export function unaryCall<Req, Res>(client: GrpcClient, method: MethodDescriptor<Req, Res, false, false>, request: DeepPartial<Req>, options: CallOptions): Promise<Res> {
  if (options.signal?.aborted) return Promise.reject(abortedError(options.signal));
  const { metadata, options: grpcOptions } = prepareCall(options);
  return singleResponse<Res, ReturnType<GrpcClient['makeUnaryRequest']>>(
    (callback) =>
      client.makeUnaryRequest<DeepPartial<Req>, Res>(method.path, (value) => method.requestSerialize(value), (bytes) => method.responseDeserialize(bytes), request, metadata, grpcOptions, callback),
    options,
  );
}

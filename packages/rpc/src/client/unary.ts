import type { Client as GrpcClient } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import { fromServiceError } from '../errors';
import type { DeepPartial } from '../types';
import { abortedError, observeCall, prepareCall, type CallOptions } from './call-options';

/** Unary: one request, one response. */
export function unaryCall<Req, Res>(client: GrpcClient, method: MethodDescriptor<Req, Res, false, false>, request: DeepPartial<Req>, options: CallOptions): Promise<Res> {
  if (options.signal?.aborted) return Promise.reject(abortedError(options.signal));
  const { metadata, options: grpcOptions } = prepareCall(options);
  return new Promise<Res>((resolve, reject) => {
    let unhook = (): void => undefined;
    const call = client.makeUnaryRequest<DeepPartial<Req>, Res>(
      method.path,
      (value) => method.requestSerialize(value),
      (bytes) => method.responseDeserialize(bytes),
      request,
      metadata,
      grpcOptions,
      (error, response) => {
        unhook();
        if (error) reject(fromServiceError(error));
        else resolve(response!);
      },
    );
    unhook = observeCall(call, options);
  });
}

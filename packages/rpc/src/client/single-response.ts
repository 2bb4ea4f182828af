/** What unary and client-streaming calls share: one response, delivered to a callback. */
import type { ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '../errors';
import { observeCall, type CallOptions, type Cancellable } from './call-options';

/**
 * Starts a call with `start` (given the grpc-js callback), wires the signal and the header and
 * trailer callbacks, hands the call to `started`, and settles with the response or the RpcError.
 */
export function singleResponse<Res, C extends Cancellable>(
  start: (callback: (error: ServiceError | null, response?: Res) => void) => C,
  options: CallOptions,
  started?: (call: C) => void,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    let unhook = (): void => undefined;
    const call = start((error, response) => {
      unhook();
      if (error) reject(fromServiceError(error));
      else resolve(response!);
    });
    unhook = observeCall(call, options);
    started?.(call);
  });
}

/** Client streaming: a stream of requests, one response, straight on the channel's createCall. */
import type { ChannelInterface } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import { abortedError, type CallOptions } from './call-options';
import { captureCaller } from './caller-stack';
import { RequestPump } from './request-pump';
import { SingleResponse } from './single-response';

/** captureCaller's frame and clientStreamingCall's: left out of the caller's stack. */
const OWN_FRAMES = 2;

export function clientStreamingCall<Req, Res>(
  channel: ChannelInterface,
  method: MethodDescriptor<Req, Res, true, false>,
  requests: AsyncIterable<DeepPartial<Req>> | Iterable<DeepPartial<Req>>,
  options: CallOptions,
): Promise<Res> {
  if (options.signal?.aborted) return Promise.reject(abortedError(options.signal));
  const caller = captureCaller(OWN_FRAMES);
  return new Promise<Res>((resolve, reject) => {
    const single = new SingleResponse(channel, method, options, caller, OWN_FRAMES, resolve, reject);
    const pump = new RequestPump(single.call, (value: DeepPartial<Req>) => method.requestSerialize(value));
    single.pump = pump as RequestPump<unknown>;
    pump.start(requests);
  });
}

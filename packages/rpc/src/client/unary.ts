/** Unary: one request, one response, straight on the channel's createCall (channel-call.ts says why). */
import type { ChannelInterface } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import { abortedError, type CallOptions } from './call-options';
import { captureCaller } from './caller-stack';
import { sendOnly } from './channel-call';
import { SingleResponse } from './single-response';

/** captureCaller's frame and unaryCall's: left out of the caller's stack. */
const OWN_FRAMES = 2;

export function unaryCall<Req, Res>(channel: ChannelInterface, method: MethodDescriptor<Req, Res, false, false>, request: DeepPartial<Req>, options: CallOptions): Promise<Res> {
  if (options.signal?.aborted) return Promise.reject(abortedError(options.signal));
  const caller = captureCaller(OWN_FRAMES);
  return new Promise<Res>((resolve, reject) => {
    const { call } = new SingleResponse(channel, method, options, caller, OWN_FRAMES, resolve, reject);
    sendOnly(call, method, request);
  });
}

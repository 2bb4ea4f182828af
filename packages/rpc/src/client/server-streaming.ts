/** Server streaming: one request, a stream of responses (response-stream.ts), straight on the channel's createCall. */
import type { ChannelInterface } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import type { CallOptions } from './call-options';
import { captureCaller } from './caller-stack';
import { sendOnly } from './channel-call';
import { ResponseStream } from './response-stream';

/** captureCaller's frame and serverStreamingCall's: left out of the caller's stack. */
const OWN_FRAMES = 2;

export function serverStreamingCall<Req, Res>(channel: ChannelInterface, method: MethodDescriptor<Req, Res, false, true>, request: DeepPartial<Req>, options: CallOptions): AsyncIterableIterator<Res> {
  const caller = captureCaller(OWN_FRAMES);
  return new ResponseStream<Res>(channel, method, options, caller, OWN_FRAMES, (call) => {
    sendOnly(call, method, request);
    return undefined;
  });
}

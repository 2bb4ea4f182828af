/**
 * Bidirectional streaming: requests are written as the iterable yields them while responses are
 * read (response-stream.ts), straight on the channel's createCall. The call starts when iteration
 * of the responses starts; leaving the loop early cancels it.
 */
import type { ChannelInterface } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import type { CallOptions } from './call-options';
import { captureCaller } from './caller-stack';
import { RequestPump } from './request-pump';
import { ResponseStream } from './response-stream';

/** captureCaller's frame and bidiStreamingCall's: left out of the caller's stack. */
const OWN_FRAMES = 2;

export function bidiStreamingCall<Req, Res>(
  channel: ChannelInterface,
  method: MethodDescriptor<Req, Res, true, true>,
  requests: AsyncIterable<DeepPartial<Req>> | Iterable<DeepPartial<Req>>,
  options: CallOptions,
): AsyncIterableIterator<Res> {
  const caller = captureCaller(OWN_FRAMES);
  return new ResponseStream<Res>(channel, method, options, caller, OWN_FRAMES, (call) => {
    const pump = new RequestPump(call, (value: DeepPartial<Req>) => method.requestSerialize(value));
    pump.start(requests);
    return pump as RequestPump<unknown>;
  });
}

/**
 * Typed calls straight on a channel's createCall (ours, or any grpc-js channel): grpc-js's
 * Client would add an interceptor chain, an EventEmitter or a Node stream and wrapper listeners
 * per call; typed clients offer no client interceptors, so those only cost time. What the Client
 * does is kept by the callers of these helpers: (de)serialization failures are INTERNAL, a failed
 * call's error carries the caller's stack ("for call at"), cancellation is CANCELLED "Cancelled on
 * client".
 */
import { connectivityState, Metadata, status, type ChannelInterface, type StatusObject } from '@grpc/grpc-js';
import { RpcError } from '../errors';
import type { CallOptions } from './call-options';
import { prepareCall } from './call-options';

/** One call of a channel (grpc-js's experimental CallStream). */
export type ChannelCall = ReturnType<ChannelInterface['createCall']>;

/** What grpc-js's Client cancels a call with (call.cancel(), an AbortSignal, a loop left early). */
export const CANCELLED_ON_CLIENT = 'Cancelled on client';

/** The listener a typed call gives the channel call. */
export interface CallListener {
  onReceiveMetadata(metadata: Metadata): void;
  onReceiveMessage(message: Buffer): void;
  onReceiveStatus(status: StatusObject): void;
}

/** The parts of a method descriptor a typed call's responses need. */
export interface ResponseMethod<Res> {
  readonly path: string;
  responseDeserialize(bytes: Buffer): Res;
}

/** A call of @vmrpc/transport's channel, which can leave response metadata unread. */
function isDiscarding(call: ChannelCall): call is ChannelCall & { discardResponseMetadata(): void } {
  return typeof (call as Partial<{ discardResponseMetadata: unknown }>).discardResponseMetadata === 'function';
}

/** Creates and starts a call of `path` on `channel` with the options' deadline and metadata. */
export function startChannelCall(channel: ChannelInterface, path: string, options: CallOptions, listener: CallListener): ChannelCall {
  const { metadata, options: grpcOptions } = prepareCall(options);
  let call: ChannelCall;
  try {
    call = channel.createCall(path, grpcOptions.deadline ?? Infinity, undefined, null, undefined);
  } catch (error) {
    // grpc-js's channels and ours throw a plain Error once closed: a call fails with a status, as any
    // other. Any other error (a TypeError for a bad method path) is the caller's to see as it is.
    if (!isShutDown(channel)) throw error;
    throw new RpcError(status.CANCELLED, `${reasonOf(error)} (the client or its channel was closed)`, new Metadata(), { cause: error });
  }
  // Our channel's calls skip response metadata nobody reads (any other call has no such method).
  if (options.onHeader === undefined && options.onTrailer === undefined && isDiscarding(call)) call.discardResponseMetadata();
  call.start(metadata, listener);
  return call;
}

/** Whether `channel` was closed (grpc-js's channels and ours report SHUTDOWN from then on). */
function isShutDown(channel: ChannelInterface): boolean {
  return channel.getConnectivityState(false) === connectivityState.SHUTDOWN;
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The part of a method descriptor that sends its request. */
export interface RequestMethod<Req> {
  requestSerialize(value: Req): Buffer;
}

/** Sends the one request of a unary or server-streaming call and half-closes. */
export function sendOnly<Req>(call: ChannelCall, method: RequestMethod<Req>, request: Req): void {
  let bytes: Buffer;
  try {
    bytes = method.requestSerialize(request);
  } catch (error) {
    call.cancelWithStatus(status.INTERNAL, `Request message serialization failure: ${reasonOf(error)}`);
    return;
  }
  if (isSendingLast(call)) return call.sendLastMessage(bytes);
  call.sendMessageWithContext(NO_CALLBACK, bytes);
  call.halfClose();
}

/** A call of @vmrpc/transport's channel, which takes the last message and the half-close in one. */
function isSendingLast(call: ChannelCall): call is ChannelCall & { sendLastMessage(message: Buffer): void } {
  return typeof (call as Partial<{ sendLastMessage: unknown }>).sendLastMessage === 'function';
}

/** The write context of a message nobody waits for (never changed by a channel). */
const NO_CALLBACK = Object.freeze({});

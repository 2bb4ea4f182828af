/**
 * Unary: one request, one response, straight on the channel's createCall. grpc-js's
 * Client.makeUnaryRequest would add an interceptor chain, an EventEmitter and wrapper listeners
 * per call; typed clients offer no client interceptors, so they only cost time. What the Client
 * does for a unary call is kept here: (de)serialization failures are INTERNAL, a second response
 * is UNIMPLEMENTED, none at all is UNIMPLEMENTED "No message received", and a failure's cause
 * carries the caller's stack ("for call at"). Unlike the Client it reads on after the response,
 * so that a second one is seen (the Client read once, and such a call hung on our channel).
 */
import { Metadata, status, type ChannelInterface, type StatusObject } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../descriptor';
import { fromServiceError } from '../errors';
import type { DeepPartial } from '../types';
import { abortedError, prepareCall, type CallOptions } from './call-options';

type ChannelCall = ReturnType<ChannelInterface['createCall']>;

/** A call of @vmrpc/transport's channel, which can leave response metadata unread. */
function isDiscarding(call: ChannelCall): call is ChannelCall & { discardResponseMetadata(): void } {
  return typeof (call as Partial<{ discardResponseMetadata: unknown }>).discardResponseMetadata === 'function';
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const OWN_FRAMES = 2;

/**
 * The caller's stack, captured now and formatted only if the call fails. `new Error()` costs less
 * than Error.captureStackTrace on a plain object (about 4 us of a tiny call's 47 us of host CPU
 * on Node 20); our own two frames (this function's and unaryCall's) are allowed for in the limit
 * and dropped when formatted, so the text is what captureStackTrace(unaryCall) gave.
 */
function captureCaller(): Error {
  const limit = Error.stackTraceLimit;
  if (typeof limit === 'number') Error.stackTraceLimit = limit + OWN_FRAMES;
  const caller = new Error();
  Error.stackTraceLimit = limit;
  return caller;
}

/** The caller's frames as Error.captureStackTrace(unaryCall) gave them: without our own. */
function callerFrames(caller: Error): string {
  const lines = (caller.stack ?? '').split('\n');
  lines.splice(1, OWN_FRAMES);
  return lines.join('\n');
}

/** What grpc-js's Client rejects with: an Error with the status, its stack ending with the caller's. */
function callError(result: StatusObject, caller: Error): Error {
  const message = `${result.code} ${status[result.code]}: ${result.details}`;
  const error = new Error(message);
  return Object.assign(error, result, { stack: `${error.stack}\nfor call at\n${callerFrames(caller)}` });
}

export function unaryCall<Req, Res>(channel: ChannelInterface, method: MethodDescriptor<Req, Res, false, false>, request: DeepPartial<Req>, options: CallOptions): Promise<Res> {
  if (options.signal?.aborted) return Promise.reject(abortedError(options.signal));
  const caller = captureCaller();
  const { metadata, options: grpcOptions } = prepareCall(options);
  const { onHeader, onTrailer, signal } = options;
  return new Promise<Res>((resolve, reject) => {
    const call: ChannelCall = channel.createCall(method.path, grpcOptions.deadline ?? Infinity, undefined, null, undefined);
    // Our channel's calls skip response metadata nobody reads (any other call has no such method).
    if (onHeader === undefined && onTrailer === undefined && isDiscarding(call)) call.discardResponseMetadata();
    let response: { value: Res } | undefined;
    let readError: StatusObject | undefined;
    let done = false;
    const cancel = (): void => call.cancelWithStatus(status.CANCELLED, 'Cancelled on client');
    signal?.addEventListener('abort', cancel, { once: true });
    call.start(metadata, {
      onReceiveMetadata: (header: Metadata) => onHeader?.(header),
      onReceiveMessage: (bytes: Buffer) => {
        if (response !== undefined) return call.cancelWithStatus(status.UNIMPLEMENTED, 'Too many responses received');
        try {
          response = { value: method.responseDeserialize(bytes) };
        } catch (error) {
          readError = { code: status.INTERNAL, details: `Response message parsing error: ${reasonOf(error)}`, metadata: new Metadata() };
          return call.cancelWithStatus(readError.code, readError.details);
        }
        // Read on: a second response must fail the call, not wait forever for a read.
        call.startRead();
      },
      onReceiveStatus: (received: StatusObject) => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', cancel);
        const result = readError ?? received;
        if (result.code !== status.OK) reject(fromServiceError(callError(result, caller)));
        else if (response === undefined) reject(fromServiceError(callError({ code: status.UNIMPLEMENTED, details: 'No message received', metadata: result.metadata }, caller)));
        else resolve(response.value);
        onTrailer?.(result.metadata);
      },
    });
    call.startRead();
    let bytes: Buffer;
    try {
      bytes = method.requestSerialize(request);
    } catch (error) {
      call.cancelWithStatus(status.INTERNAL, `Request message serialization failure: ${reasonOf(error)}`);
      return;
    }
    call.sendMessageWithContext({}, bytes);
    call.halfClose();
  });
}

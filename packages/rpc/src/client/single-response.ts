/**
 * What unary and client-streaming calls share: one response, on the channel's createCall.
 * A second response is UNIMPLEMENTED "Too many responses received", none at all is UNIMPLEMENTED
 * "No message received", as grpc-js's Client has it. Unlike the Client it reads on after the
 * response, so that a second one is seen (the Client read once, and such a call hung on our
 * channel). The object is the call's listener and the signal's, so a call allocates no closures.
 */
import { Metadata, status, type ChannelInterface, type StatusObject } from '@grpc/grpc-js';
import { fromServiceError } from '../errors';
import type { CallOptions } from './call-options';
import { callError } from './caller-stack';
import { CANCELLED_ON_CLIENT, reasonOf, startChannelCall, type CallListener, type ChannelCall, type ResponseMethod } from './channel-call';
import type { RequestPump } from './request-pump';

export class SingleResponse<Res> implements CallListener {
  readonly call: ChannelCall;
  /** The request stream of a client-streaming call: stopped at the end, its own error wins. */
  pump: RequestPump<unknown> | undefined;
  private response: { value: Res } | undefined;
  private readError: StatusObject | undefined;
  private done = false;

  constructor(
    channel: ChannelInterface,
    private readonly method: ResponseMethod<Res>,
    private readonly options: CallOptions,
    /** The caller's stack (captureCaller) and how many of its frames are ours. */
    private readonly caller: Error,
    private readonly ownFrames: number,
    private readonly resolve: (response: Res) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.call = startChannelCall(channel, method.path, options, this);
    options.signal?.addEventListener('abort', this, { once: true });
    this.call.startRead();
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.call.cancelWithStatus(status.CANCELLED, CANCELLED_ON_CLIENT);
  }

  onReceiveMetadata(header: Metadata): void {
    this.options.onHeader?.(header);
  }

  onReceiveMessage(bytes: Buffer): void {
    if (this.response !== undefined) {
      // Kept like readError: the OK status may already be queued behind this message (same read).
      this.readError ??= { code: status.UNIMPLEMENTED, details: 'Too many responses received', metadata: new Metadata() };
      return this.call.cancelWithStatus(this.readError.code, this.readError.details);
    }
    try {
      this.response = { value: this.method.responseDeserialize(bytes) };
    } catch (error) {
      this.readError = { code: status.INTERNAL, details: `Response message parsing error: ${reasonOf(error)}`, metadata: new Metadata() };
      return this.call.cancelWithStatus(this.readError.code, this.readError.details);
    }
    // Read on: a second response must fail the call, not wait forever for a read.
    this.call.startRead();
  }

  onReceiveStatus(received: StatusObject): void {
    if (this.done) return;
    this.done = true;
    this.options.signal?.removeEventListener('abort', this);
    const pump = this.pump;
    pump?.stop();
    const result = this.readError ?? received;
    if (pump?.error !== undefined) this.reject(pump.error.value);
    else if (result.code !== status.OK) this.reject(fromServiceError(callError(result, this.caller, this.ownFrames)));
    else if (this.response === undefined) this.reject(fromServiceError(callError({ code: status.UNIMPLEMENTED, details: 'No message received', metadata: result.metadata }, this.caller, this.ownFrames)));
    else this.resolve(this.response.value);
    this.options.onTrailer?.(result.metadata);
  }
}

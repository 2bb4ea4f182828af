/**
 * The responses of a server- or bidi-streaming call as an async iterator, straight on the
 * channel's createCall. The call starts when iteration starts (the first next()); leaving the
 * loop early (break, throw) cancels it. Responses are read ahead up to READ_AHEAD (grpc-js's
 * object-mode Readable holds as many); a consumer that stops reading stops the reads, and with
 * them the server (the HTTP/2 window). Responses received before an error status are yielded,
 * then the RpcError is thrown, with the caller's stack in its cause.
 */
import { Metadata, status, type ChannelInterface, type StatusObject } from '@grpc/grpc-js';
import { fromServiceError } from '../errors';
import { abortedError, type CallOptions } from './call-options';
import { callError } from './caller-stack';
import { CANCELLED_ON_CLIENT, reasonOf, startChannelCall, type CallListener, type ChannelCall, type ResponseMethod } from './channel-call';
import type { RequestPump } from './request-pump';

/** How many responses are read before the consumer asks for them. */
const READ_AHEAD = 16;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

export class ResponseStream<Res> implements AsyncIterableIterator<Res>, CallListener {
  private call: ChannelCall | undefined;
  private readonly queue: Res[] = [];
  /** A startRead() is open (a response may arrive). */
  private reading = false;
  /** The call's status arrived. */
  private ended = false;
  /** The iteration is over (done, thrown, or left early): nothing more is delivered. */
  private finished = false;
  /** The error to throw once the queued responses are taken. */
  private failure: { value: unknown } | undefined;
  private readError: StatusObject | undefined;
  /** next() calls waiting for a response, oldest first (callers may call next() again before one settles). */
  private readonly waiting: Array<{ resolve: (result: IteratorResult<Res>) => void; reject: (error: unknown) => void }> = [];
  private pump: RequestPump<unknown> | undefined;

  constructor(
    private readonly channel: ChannelInterface,
    private readonly method: ResponseMethod<Res>,
    private readonly options: CallOptions,
    /** The caller's stack (captureCaller) and how many of its frames are ours. */
    private readonly caller: Error,
    private readonly ownFrames: number,
    /** Sends the request(s) once the call started; returns the pump of a request stream. */
    private readonly sendRequests: (call: ChannelCall) => RequestPump<unknown> | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Res>> {
    if (this.call === undefined && !this.finished) {
      const signal = this.options.signal;
      if (signal?.aborted) {
        this.finished = true;
        return Promise.reject(abortedError(signal));
      }
      try {
        this.start();
      } catch (error) {
        // A bad deadline option, a closed client: the first next() rejects, once.
        this.finished = true;
        return Promise.reject(error);
      }
    }
    if (this.queue.length > 0) {
      const value = this.queue.shift()!;
      this.readMore();
      return Promise.resolve({ value, done: false });
    }
    if (this.ended || this.finished) return this.finish();
    return new Promise((resolve, reject) => void this.waiting.push({ resolve, reject }));
  }

  /** Leaving the loop early: the call is cancelled if it has not ended. */
  return(): Promise<IteratorResult<Res>> {
    if (!this.finished) {
      this.finished = true;
      this.queue.length = 0;
      this.stopObserving();
      if (this.call !== undefined && !this.ended) this.call.cancelWithStatus(status.CANCELLED, CANCELLED_ON_CLIENT);
      for (const waiting of this.waiting.splice(0)) waiting.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

  /** An error thrown into the iteration (`yield*` of a generator that is thrown into): the call is cancelled, the error goes on. */
  throw(error: unknown): Promise<IteratorResult<Res>> {
    void this.return();
    return Promise.reject(error);
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.call?.cancelWithStatus(status.CANCELLED, CANCELLED_ON_CLIENT);
  }

  // ---- the channel call's listener ----

  onReceiveMetadata(header: Metadata): void {
    if (!this.finished) this.options.onHeader?.(header);
  }

  onReceiveMessage(bytes: Buffer): void {
    this.reading = false;
    if (this.finished || this.readError !== undefined) return;
    let value: Res;
    try {
      value = this.method.responseDeserialize(bytes);
    } catch (error) {
      this.readError = { code: status.INTERNAL, details: `Response message parsing error: ${reasonOf(error)}`, metadata: new Metadata() };
      return this.call!.cancelWithStatus(this.readError.code, this.readError.details);
    }
    const waiting = this.waiting.shift();
    if (waiting !== undefined) waiting.resolve({ value, done: false });
    else this.queue.push(value);
    this.readMore();
  }

  onReceiveStatus(received: StatusObject): void {
    if (this.ended) return;
    this.ended = true;
    this.pump?.stop();
    if (this.finished) return;
    this.stopObserving();
    const result = this.readError ?? received;
    const pumpError = this.pump?.error;
    if (pumpError !== undefined) this.failure = pumpError;
    else if (result.code !== status.OK) this.failure = { value: fromServiceError(callError(result, this.caller, this.ownFrames)) };
    this.options.onTrailer?.(result.metadata);
    const waiters = this.waiting.splice(0);
    if (waiters.length === 0) return;
    // The first gets the end (done, or the error once); any later ones are done.
    this.finish().then(waiters[0]!.resolve, waiters[0]!.reject);
    for (const waiting of waiters.slice(1)) waiting.resolve(DONE);
  }

  // ---- internals ----

  private start(): void {
    const call = startChannelCall(this.channel, this.method.path, this.options, this);
    this.call = call;
    this.options.signal?.addEventListener('abort', this, { once: true });
    this.pump = this.sendRequests(call);
    this.readMore();
  }

  private readMore(): void {
    if (this.reading || this.ended || this.finished || this.queue.length >= READ_AHEAD) return;
    this.reading = true;
    this.call!.startRead();
  }

  /** The end of the iteration, once every queued response was taken: done, or the call's error (once). */
  private finish(): Promise<IteratorResult<Res>> {
    this.finished = true;
    const failure = this.failure;
    this.failure = undefined;
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.value);
  }

  private stopObserving(): void {
    this.options.signal?.removeEventListener('abort', this);
  }
}

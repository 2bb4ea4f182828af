/**
 * What the handler logic (handlers.ts) needs from a server's call to answer it: two small
 * interfaces that grpc-js's call objects (grpc-calls.ts) and the engine's calls (engine/) both
 * implement, so the logic exists once.
 */
import type { Metadata, StatusObject } from '@grpc/grpc-js';

/** How a unary or client-streaming call is answered. */
export interface UnaryResponder<Res> {
  /** The call ended (cancelled, past its deadline, or answered): nothing more is sent. */
  readonly cancelled: boolean;
  /** Answers OK: the response, then `trailer` (if any) with the status. */
  sendResponse(response: Res, trailer: Metadata | undefined): void;
  /** Answers with a status other than OK (its metadata are the trailers). */
  sendStatus(status: StatusObject): void;
}

/** How a server-streaming or bidi call is answered. */
export interface ResponseWriter<Res> {
  /** The call ended (cancelled, past its deadline, or answered): nothing more is sent. */
  readonly cancelled: boolean;
  /** Sends one response; false when the peer reads slower than this end writes: wait for drained(). */
  write(response: Res): boolean;
  /** Resolves when the responses written so far went out, or the call ended. */
  drained(): Promise<void>;
  /** Ends the call OK with `trailer` (if any). */
  end(trailer: Metadata | undefined): void;
  /** Ends the call with a status other than OK (its metadata are the trailers). */
  sendStatus(status: StatusObject): void;
}

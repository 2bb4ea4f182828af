/**
 * What a call keeps so that it can start once more when the server refused its stream without
 * processing it (gRPC's transparent retry, proposal A6, as grpc-js does it): the framed messages
 * it sent, until the call commits. It commits when response headers arrive, when it has retried
 * once, when it ends, or when its messages outgrow `grpc.per_rpc_retry_buffer_size`; committing
 * releases what it held. The bound counts every message, the first too (as grpc-js): a unary
 * request larger than it is not held for the call's whole life just in case.
 */
export class RetryBuffer {
  /** The first message (every call's; most send only that one, so no array is made for them). */
  private first: Buffer | undefined;
  private rest: Buffer[] | undefined;
  private bytes = 0;
  private committed = false;

  constructor(private readonly limitBytes: number) {}

  /** A message the call sent: kept while the call may still retry. */
  record(frame: Buffer): void {
    if (this.committed) return;
    this.bytes += frame.length;
    if (this.bytes > this.limitBytes) return this.commit();
    if (this.first === undefined) this.first = frame;
    else (this.rest ??= []).push(frame);
  }

  /** The call can no longer retry: what it kept is let go. */
  commit(): void {
    this.committed = true;
    this.first = undefined;
    this.rest = undefined;
    this.bytes = 0;
  }

  /** Every message sent so far, for the one retry (which commits the call); undefined if committed. */
  takeForRetry(): Buffer[] | undefined {
    if (this.committed) return undefined;
    const frames = this.first === undefined ? [] : [this.first, ...(this.rest ?? [])];
    this.commit();
    return frames;
  }
}

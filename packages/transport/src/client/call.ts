/**
 * One RPC on a VM channel whose connections run node:http2: CallBase's contract on one
 * `ClientHttp2Stream` (a Duplex: paused while no read credit is open).
 */
import * as http2 from 'node:http2';
import { Metadata } from '@grpc/grpc-js';
import { requestHeaders } from '../protocol/request-headers';
import { statusFromRstCode } from '../protocol/status';
import { CallBase, runCallback, type QueuedWrite } from './call-base';
import type { StreamOpener } from './call-transport';
import { resetStream } from './connection';

export class VmCall extends CallBase<StreamOpener> {
  private stream: http2.ClientHttp2Stream | undefined;

  protected get streamOpen(): boolean {
    return this.stream !== undefined;
  }

  protected get responseEnded(): boolean {
    return this.stream!.readableEnded;
  }

  protected openStream(connection: StreamOpener, metadata: Metadata): void {
    const headers = requestHeaders(metadata, this.requestTarget(connection));
    const stream = connection.request(headers);
    this.stream = stream;
    stream.on('response', (responseHeaders) => this.onResponseHeaders(responseHeaders, responseHeaders[':status'] ?? 0));
    stream.on('trailers', (trailers) => this.onTrailers(trailers));
    stream.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      if (this.received.full) stream.pause();
    });
    stream.on('end', () => {
      this.readsDone = true;
      this.maybeDeliverStatus();
    });
    stream.on('error', () => undefined); // the status comes from 'close'
    stream.on('close', () => this.onStreamClose());
    if (!this.received.wanted) stream.pause();
    for (const write of this.writeQueue.splice(0)) this.writeFrame(write);
    if (this.halfClosePending) stream.end();
  }

  protected writeFrame(write: QueuedWrite): void {
    // The callback is the Writable's _write callback: it must run, or client streaming stalls.
    this.stream!.write(write.frame, () => runCallback(write));
  }

  protected endRequest(): void {
    if (!this.stream!.writableEnded) this.stream!.end();
  }

  protected resumeReading(): void {
    if (this.stream?.isPaused()) this.stream.resume();
  }

  protected resetStream(): void {
    if (!this.stream!.closed) resetStream(this.stream!);
  }

  protected dropRefusedStream(): void {
    this.stream = undefined;
  }

  private onStreamClose(): void {
    if (this.statusDelivered) return;
    if (this.receivedStatus !== undefined) {
      this.readsDone = true;
      return this.maybeDeliverStatus();
    }
    if (this.stream!.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM && this.retryRefusedStream()) return;
    // A dropped connection resets its streams with NGHTTP2_CANCEL: that is UNAVAILABLE, not CANCELLED.
    const lostConnectionTo = this.connection?.isClosed === true ? this.transport.peer : undefined;
    const status = statusFromRstCode(this.stream!.rstCode ?? 0, lostConnectionTo);
    this.endWithStatus({ ...status, metadata: new Metadata() });
  }
}

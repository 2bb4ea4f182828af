/**
 * SOCK_SEQPACKET sockets: connection-oriented like streams, but every send() arrives as one
 * 'message' with its boundaries kept (AF_VSOCK since Linux 5.14; AF_UNIX too). Driven by a
 * Poller like the portable stream path. Sends are queued in order; a message larger than
 * `maxMessageSize` on receipt is an EMSGSIZE error, never a silently cut message.
 */
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import type { VmAddress } from './addresses';
import type { NativeBinding, NativePoller, NativeSeqpacketSender } from './binding';
import { nativeBinding } from './binding';
import { PendingConnect, pollFailureCode, type ConnectedFd } from './dial';
import { VmError, systemError } from './errors';
import { iterateMessages } from './seqpacket-messages';
import { checkBoolean, checkPositiveInteger, checkSignal, checkTimeout, optionalObject } from './options';
import { formatTarget, toAddress } from './target';

const EAGAIN = -os.constants.errno.EAGAIN;
const MAX_MESSAGES_PER_EVENT = 64;
/** Default receive limit per message: the default vsock buffer size (256 KiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024;

/** The events of a SeqpacketSocket and their listener arguments. */
export interface SeqpacketSocketEvents {
  message: [message: Buffer];
  /** The peer closed its sending side; no more messages will come. */
  end: [];
  error: [error: Error];
  close: [hadError: boolean];
}

/** Options of {@link connectSeqpacket}. */
export interface SeqpacketConnectOptions {
  connectTimeout?: number;
  signal?: AbortSignal;
  toHost?: boolean;
  bufferSize?: number;
  /** Largest message this socket accepts, in bytes. Default 256 KiB. */
  maxMessageSize?: number;
}

interface QueuedSend {
  message: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A connected SOCK_SEQPACKET socket: each send() is one message, each `message` event one whole message (connectSeqpacket(), or accepted by a seqpacket server). */
export class SeqpacketSocket extends EventEmitter<SeqpacketSocketEvents> {
  readonly remoteVmAddress: VmAddress | undefined;
  readonly localVmAddress: VmAddress | undefined;
  private fd: number;
  private readonly poller: NativePoller;
  private readonly receiveBuffer: Buffer;
  private readonly queue: QueuedSend[] = [];
  private interest = 0;
  private paused = false;
  /** vsock: whole-message sends are blocking sends on the socket's own thread (seqpacket_sender.cc). */
  private readonly sender: NativeSeqpacketSender | undefined;
  /** Messages the sender accepted whose result has not come back yet (the fd stays open for them). */
  private unsettled = 0;
  private releaseWhenSettled = false;
  private ended = false;
  private endRequested = false;
  private closed = false;

  /** @internal Sockets come from connectSeqpacket() or a seqpacket server. */
  constructor(
    private readonly binding: NativeBinding,
    connected: ConnectedFd,
    maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE,
  ) {
    super();
    this.fd = connected.fd;
    this.remoteVmAddress = connected.remote;
    this.localVmAddress = connected.local;
    this.receiveBuffer = Buffer.allocUnsafe(maxMessageSize + 1);
    this.poller = new binding.Poller(this.fd, (status, events) => this.onEvent(status, events));
    // A non-blocking vsock seqpacket send may queue part of a message and still report EAGAIN,
    // so vsock sockets send in blocking mode off the event loop; AF_UNIX sends are atomic.
    // After the Poller: uv_poll_init makes the fd non-blocking again.
    if (connected.remote?.family === 'vsock' && binding.setBlocking(this.fd, true) === 0) {
      this.sender = new binding.SeqpacketSender(this.fd, (result) => this.sent(result));
    }
    // Start reading on the next tick, after the creator attached its 'message' listener.
    process.nextTick(() => this.updateInterest());
  }

  /** True once the socket is closed. */
  get destroyed(): boolean {
    return this.closed;
  }

  /** Sends one message; resolves when the kernel has taken all of it. */
  send(message: Buffer | Uint8Array | string): Promise<void> {
    if (this.closed || this.endRequested) {
      return Promise.reject(new VmError('ERR_VMRPC_SOCKET_CLOSED', `send on a ${this.closed ? 'closed' : 'ended'} seqpacket socket to ${this.peerName()}`));
    }
    const buffer = typeof message === 'string' ? Buffer.from(message) : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    if (buffer.length === 0) {
      // recv() returns 0 for an empty message and for end of stream alike: refuse the ambiguity.
      return Promise.reject(new VmError('ERR_INVALID_ARG_VALUE', 'seqpacket messages must not be empty (an empty message reads as end of stream)'));
    }
    return new Promise<void>((resolve, reject) => {
      if (this.sender === undefined) {
        this.queue.push({ message: buffer, resolve, reject });
        if (this.queue.length === 1) this.flush();
        return;
      }
      // The sender thread keeps the order; results come back in it (sent()).
      const started = this.sender.send(buffer);
      // No thread to send with (the system is out of them): this message fails, the next may not.
      if (started < 0) return reject(systemError(started, 'send', this.peerName()));
      this.unsettled++;
      this.queue.push({ message: buffer, resolve, reject });
    });
  }

  /** Stops delivering 'message' events until resume(); the kernel buffer applies backpressure. */
  pause(): this {
    this.paused = true;
    this.updateInterest();
    return this;
  }

  /** Starts (or restarts) delivering `message` events after pause(). */
  resume(): this {
    this.paused = false;
    this.updateInterest();
    return this;
  }

  /** Shuts down the sending side once queued messages are sent (the socket closes once the peer ended too). */
  end(): this {
    if (this.endRequested || this.closed) return this;
    this.endRequested = true;
    if (this.queue.length === 0) this.shutdownWrite();
    return this;
  }

  /** Closes the socket at once; queued sends fail. */
  destroy(error?: Error): this {
    if (this.closed) return this;
    this.closed = true;
    this.poller.close();
    // A send in progress is woken by the sender (it shuts the socket down); the fd is closed once
    // every accepted message is settled, never under a running send(2).
    if (this.sender === undefined || this.sender.close()) this.releaseFd();
    else this.releaseWhenSettled = true;
    const failure = error ?? new VmError('ERR_VMRPC_SOCKET_CLOSED', 'the seqpacket socket was closed');
    for (const pending of this.queue.splice(0)) pending.reject(failure);
    process.nextTick(() => {
      if (error !== undefined) this.emit('error', error);
      this.emit('close', error !== undefined);
    });
    return this;
  }

  private releaseFd(): void {
    if (this.fd >= 0) this.binding.close(this.fd);
    this.fd = -1;
  }

  /** Iterates over received messages until the peer ends or the socket closes. */
  [Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    return iterateMessages(this);
  }

  private peerName(): string {
    return this.remoteVmAddress === undefined ? 'an unnamed peer' : formatTarget(this.remoteVmAddress);
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const n = this.binding.sendMessage(this.fd, head.message);
      if (n === EAGAIN) return this.setInterest(this.binding.pollEvents.WRITABLE, true);
      this.queue.shift();
      if (n < 0) head.reject(systemError(n, 'send', this.peerName()));
      else head.resolve();
    }
    this.setInterest(this.binding.pollEvents.WRITABLE, false);
    if (this.endRequested && !this.closed) this.shutdownWrite();
  }

  // A result of the sender thread, in the order of send().
  private sent(result: number): void {
    this.unsettled--;
    if (this.closed) {
      if (this.releaseWhenSettled && this.unsettled === 0) this.releaseFd();
      return;
    }
    const head = this.queue.shift()!;
    if (result < 0) head.reject(systemError(result, 'send', this.peerName()));
    else head.resolve();
    if (this.endRequested && this.queue.length === 0) this.shutdownWrite();
  }

  private receive(): void {
    for (let i = 0; i < MAX_MESSAGES_PER_EVENT && !this.paused && !this.closed; i++) {
      const n = this.binding.recvMessage(this.fd, this.receiveBuffer);
      if (n === EAGAIN) return;
      if (n < 0) {
        const limit = this.receiveBuffer.length - 1;
        const hint = isMessageTooLarge(n) ? `a message was larger than maxMessageSize (${limit} bytes) and was dropped` : undefined;
        this.destroy(systemError(n, 'recv', this.peerName(), hint));
        return;
      }
      if (n === 0 && !this.ended) {
        // 0 is end of stream: send() refuses empty messages, so none is mistaken for it.
        this.ended = true;
        this.setInterest(this.binding.pollEvents.READABLE, false);
        this.emit('end');
        // As net.Socket without allowHalfOpen: the peer is done, so finish our side and close.
        this.end();
        this.closeWhenFinished();
        return;
      }
      this.emit('message', Buffer.from(this.receiveBuffer.subarray(0, n)));
    }
  }

  private onEvent(status: number, events: number): void {
    if (this.closed) return;
    if (status < 0) return void this.destroy(systemError(pollFailureCode(this.binding, this.fd, status), 'recv', this.peerName()));
    if (events & this.binding.pollEvents.WRITABLE) this.flush();
    if (events & this.binding.pollEvents.READABLE) this.receive();
  }

  private shutdownWrite(): void {
    if (this.closed) return;
    this.binding.shutdown(this.fd, this.binding.constants.SHUT_WR);
    this.closeWhenFinished();
  }

  // Both directions are finished once the peer ended and our side was shut: release the socket.
  private closeWhenFinished(): void {
    if (this.ended && this.endRequested && this.queue.length === 0 && !this.closed) this.destroy();
  }

  private updateInterest(): void {
    this.setInterest(this.binding.pollEvents.READABLE, !this.paused && !this.ended);
  }

  private setInterest(event: number, on: boolean): void {
    if (this.closed) return;
    const next = on ? this.interest | event : this.interest & ~event;
    if (next === this.interest) return;
    this.interest = next;
    this.poller.start(next);
  }
}

function isMessageTooLarge(code: number): boolean {
  return code === -os.constants.errno.EMSGSIZE;
}

/** Opens a SOCK_SEQPACKET connection to `target` (vsock or unix). */
export async function connectSeqpacket(target: string | VmAddress, options?: SeqpacketConnectOptions): Promise<SeqpacketSocket> {
  const address = toAddress(target);
  const opts = optionalObject('options', options);
  if (address.family === 'hybrid-vsock') {
    throw new VmError('ERR_INVALID_ARG_VALUE', `${formatTarget(address)}: hybrid vsock carries streams only; SOCK_SEQPACKET needs vsock: or unix:`);
  }
  const maxMessageSize = checkPositiveInteger('options.maxMessageSize', opts.maxMessageSize) ?? DEFAULT_MAX_MESSAGE_SIZE;
  const pending = new PendingConnect(address, {
    connectTimeout: checkTimeout('options.connectTimeout', opts.connectTimeout),
    signal: checkSignal('options.signal', opts.signal),
    toHost: checkBoolean('options.toHost', opts.toHost) ?? false,
    bufferSize: checkPositiveInteger('options.bufferSize', opts.bufferSize),
    socketType: 'seqpacket',
  });
  const connected = await pending.start();
  return new SeqpacketSocket(nativeBinding(), connected, maxMessageSize);
}

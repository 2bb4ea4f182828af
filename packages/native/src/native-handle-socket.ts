/**
 * The fast data path: a net.Socket around Node's own libuv Pipe handle opened on the VM socket's
 * fd, so reads, writes, backpressure and node:http2 all run in Node's native stream code.
 * While connecting, the Pipe is not open yet and net.Socket queues writes (its `connecting`
 * state); adopt() opens it and emits 'connect' as net does after a connect.
 */
import * as net from 'node:net';
import type { VmAddress } from './addresses';
import type { NativeBinding } from './binding';
import { pipeWrapBinding, type PipeHandle } from './data-path';
import type { ConnectAttempt, ConnectedFd } from './connect-attempt';
import { systemError } from './errors';
import { formatTarget } from './target';
import { defineAddressAccessors, runPendingConnect, type AdoptingSocket, type DataPath } from './vm-socket';

/** Options shared by both socket classes. */
export interface SocketConstructionOptions {
  allowHalfOpen?: boolean;
  binding: NativeBinding;
}

export class NativeHandleSocket extends net.Socket implements AdoptingSocket {
  readonly dataPath: DataPath = 'native-handle';
  remoteVmAddress: VmAddress | undefined;
  localVmAddress: VmAddress | undefined;
  declare readonly remoteFamily: VmAddress['family'] | undefined;
  private readonly pipeHandle: PipeHandle;
  private readonly binding: NativeBinding;
  private cancelConnect: ((error: Error | null) => void) | undefined;

  constructor(options: SocketConstructionOptions) {
    const wrap = pipeWrapBinding();
    if (wrap === null) throw new Error('native-handle data path unavailable');
    const pipe = new wrap.Pipe(wrap.constants.SOCKET);
    // manualStart: the Pipe has no fd yet, so net.Socket must not start reading on its own.
    // `handle` and `manualStart` are net.Socket options that @types/node does not list.
    super({ handle: pipe, manualStart: true, allowHalfOpen: options.allowHalfOpen ?? false } as net.SocketConstructorOpts);
    this.pipeHandle = pipe;
    this.binding = options.binding;
    setConnecting(this, true);
  }

  connectWith(pending: ConnectAttempt): void {
    this.cancelConnect = runPendingConnect(this, pending, (fd) => this.binding.close(fd));
  }

  adopt(connected: ConnectedFd, options: { pauseOnConnect?: boolean } = {}): void {
    this.cancelConnect = undefined;
    this.remoteVmAddress = connected.remote;
    this.localVmAddress = connected.local;
    const rc = this.pipeHandle.open(connected.fd);
    if (rc < 0) {
      this.binding.close(connected.fd);
      this.destroy(systemError(rc, 'open', connected.remote && formatTarget(connected.remote)));
      return;
    }
    setConnecting(this, false);
    this.emit('connect');
    this.emit('ready');
    if (options.pauseOnConnect === true) this.pause();
    else this.read(0);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.cancelConnect?.(error);
    this.cancelConnect = undefined;
    super._destroy(error, callback);
  }
}

defineAddressAccessors(NativeHandleSocket.prototype);

function setConnecting(socket: net.Socket, value: boolean): void {
  (socket as { connecting: boolean }).connecting = value;
}

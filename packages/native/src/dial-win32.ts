/**
 * Establishing one Hyper-V socket connection (Windows): ConnectEx on the completion port, with
 * HVSOCKET_CONNECT_TIMEOUT always set so the kernel never waits without a bound, and our own
 * timer and AbortSignal on top (AttemptBase). Cancelling closes the socket, which aborts the
 * pending ConnectEx: its completion still arrives, and is only used to release the keep-alive.
 */
import type { HvsockAddress } from './addresses';
import type { Win32Binding } from './binding-win32';
import { AttemptBase, type AttemptOptions } from './connect-attempt';
import { HVSOCK_CLIENT_BIND_ADDRESS, hvsockBinding, hvsockSystemError } from './hvsock-family';
import { encodeOptionValue, hvsockOptionSettings, type HvsockOptions } from './hvsock-options';
import { decodeSockaddr, encodeHvsock } from './sockaddr';
import { formatTarget } from './target';

/** Options of one Hyper-V socket dial. */
export interface HvsockDialOptions extends AttemptOptions {
  hvsock?: HvsockOptions;
}

export class HvsockConnect extends AttemptBase {
  private readonly binding: Win32Binding;

  constructor(
    private readonly address: HvsockAddress,
    private readonly options: HvsockDialOptions = {},
  ) {
    const target = formatTarget(address);
    super(target, options);
    this.binding = hvsockBinding(target);
  }

  protected open(timeout: number): void {
    const { binding } = this;
    const { constants } = binding;
    const socket = binding.socket(constants.AF_HYPERV, constants.SOCK_STREAM, constants.HV_PROTOCOL_RAW);
    if (socket < 0) return this.failWith(socket, 'socket');
    this.fd = socket;
    const applied = applyHvsockOptions(binding, socket, this.options.hvsock ?? {}, this.address, this.target, timeout);
    if (applied !== undefined) return this.fail(applied);
    const bound = binding.bind(socket, HVSOCK_CLIENT_BIND_ADDRESS);
    if (bound < 0) return this.failWith(bound, 'bind');
    // A pending connect keeps the process alive, as node:net's does, until its completion.
    binding.ioRef();
    const rc = binding.connect(socket, encodeHvsock(this.address), (result) => {
      binding.ioUnref();
      this.onConnect(socket, result);
    });
    if (rc < 0) {
      binding.ioUnref();
      this.failWith(rc, 'connect');
    }
  }

  protected closeFd(socket: number): void {
    this.binding.close(socket);
  }

  private onConnect(socket: number, result: number): void {
    // Settled already: the socket was closed by a timeout, an abort or the caller.
    if (this.settled || socket !== this.fd) return;
    if (result < 0) return this.failWith(result, 'connect');
    const raw = this.binding.getsockname(socket);
    this.succeed(this.address, typeof raw === 'number' ? undefined : decodeSockaddr(raw));
  }

  private failWith(code: number, syscall: string): void {
    this.fail(hvsockSystemError(code, syscall, this.address, this.target));
  }
}

/**
 * Sets the Hyper-V options on a socket; `connectTimeout` only for connecting sockets. Returns
 * the error of the first option Windows refused, naming it.
 */
export function applyHvsockOptions(
  binding: Win32Binding,
  socket: number,
  options: HvsockOptions,
  address: HvsockAddress,
  target: string,
  connectTimeout?: number,
): Error | undefined {
  for (const setting of hvsockOptionSettings(options, connectTimeout)) {
    const rc = binding.setsockopt(socket, binding.constants.HV_PROTOCOL_RAW, setting.name, encodeOptionValue(setting.value));
    if (rc < 0) return hvsockSystemError(rc, 'setsockopt', address, target, `${setting.label} = ${setting.value} was refused`);
  }
  return undefined;
}

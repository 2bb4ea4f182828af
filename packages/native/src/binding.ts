/**
 * Loads the compiled addon (a prebuild from prebuilds/ or a local build/) once, lazily, so that
 * the pure-JS parts (targets, GUIDs, constants) work even where the addon is missing.
 */
import * as path from 'node:path';
import type { Win32Binding } from './binding-win32';
import { VmError } from './errors';

/** Readiness handle of one socket on Node's event loop (uv_poll). */
export interface NativePoller {
  /** Sets the events of interest (mask of pollEvents); 0 stops. Returns a libuv status. */
  start(events: number): number;
  stop(): void;
  ref(): void;
  unref(): void;
  /** Releases the poll handle; the fd stays open (it belongs to the caller). */
  close(): void;
}

/** What the addon exports on Linux. Functions return >= 0 or a negative libuv error code. */
export interface NativeBinding {
  readonly platform: 'linux';
  socket(domain: number, type: number): number;
  bind(fd: number, address: Buffer): number;
  listen(fd: number, backlog: number): number;
  connect(fd: number, address: Buffer): number;
  accept(fd: number): number;
  getsockname(fd: number): Buffer | number;
  getpeername(fd: number): Buffer | number;
  getsockopt(fd: number, level: number, name: number, out: Buffer): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer): number;
  socketError(fd: number): number;
  read(fd: number, buffer: Buffer, offset: number, length: number): number;
  peek(fd: number, buffer: Buffer, offset: number, length: number): number;
  writev(fd: number, buffers: readonly Buffer[]): number;
  recvMessage(fd: number, buffer: Buffer): number;
  sendMessage(fd: number, buffer: Buffer): number;
  /**
   * A blocking send(2) on a thread of its own (not libuv's pool): returns 0 and the callback gets
   * the byte count or a negative code, or returns a negative code (no thread; no callback).
   */
  sendMessageBlocking(fd: number, buffer: Buffer, callback: (result: number) => void): number;
  setBlocking(fd: number, blocking: boolean): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  localCid(devicePath?: string): number;
  readonly Poller: new (fd: number, onEvent: (status: number, events: number) => void) => NativePoller;
  readonly pollEvents: { readonly READABLE: number; readonly WRITABLE: number; readonly DISCONNECT: number };
  readonly constants: {
    readonly AF_UNIX: number;
    readonly AF_VSOCK: number;
    readonly SOCK_STREAM: number;
    readonly SOCK_SEQPACKET: number;
    readonly SOL_SOCKET: number;
    readonly SO_SNDBUF: number;
    readonly SO_RCVBUF: number;
    readonly SO_PEERCRED: number;
    readonly SHUT_RD: number;
    readonly SHUT_WR: number;
    readonly SHUT_RDWR: number;
  };
}

/** What the addon exports, by the platform it was built for (Windows: binding-win32.ts). */
export type AddonBinding = NativeBinding | Win32Binding | { readonly platform: 'unsupported' };

let loaded: AddonBinding | undefined;
let loadError: unknown;

/** The addon; throws ERR_VMRPC_NATIVE_UNAVAILABLE with the reason when it cannot be loaded. */
export function loadAddon(): AddonBinding {
  if (loaded !== undefined) return loaded;
  if (loadError === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const load = require('node-gyp-build') as (dir: string) => AddonBinding;
      loaded = load(path.join(__dirname, '..'));
      return loaded;
    } catch (error) {
      loadError = error;
    }
  }
  throw new VmError('ERR_VMRPC_NATIVE_UNAVAILABLE', unavailableMessage(loadError), { cause: loadError });
}

/**
 * The error when no binary was found: the reason, then how to get one with each package manager.
 * pnpm 10 (and npm/yarn with scripts disabled) skip the install script that builds from source.
 */
function unavailableMessage(error: unknown): string {
  // node-gyp-build's message lists the platform tags it looked for, then where it looked.
  const reason = (error instanceof Error ? error.message : String(error)).trim().replace(/\s*\n\s*/g, '; ');
  return [
    `The @vmrpc/native addon could not be loaded: ${reason}`,
    'Prebuilt binaries ship for linux-x64 and linux-arm64 (glibc) and win32-x64; elsewhere the package builds from',
    'source when it is installed, which needs its install script to run and python3, make and a C++ compiler. To fix:',
    '  pnpm: pnpm approve-builds (select @vmrpc/native), or add "@vmrpc/native" to "pnpm.onlyBuiltDependencies"',
    '        in package.json; then pnpm rebuild @vmrpc/native',
    '  npm:  npm rebuild @vmrpc/native (scripts must be enabled: no --ignore-scripts)',
    '  yarn: yarn rebuild @vmrpc/native',
    '  compiler: apt-get install python3 make g++ (Debian, Ubuntu); apk add python3 make g++ (Alpine);',
    '        dnf install python3 make gcc-c++ (Fedora); then rebuild as above',
  ].join('\n');
}

/**
 * @internal Tests only: puts `addon` in place of the compiled addon (undefined restores it), so
 * the Windows code paths run against a simulated addon on any OS.
 */
export function replaceAddonForTests(addon: AddonBinding | undefined): void {
  loaded = addon;
  loadError = undefined;
}

/** The addon typed with its Linux exports (elsewhere they are missing: see socketBinding()). */
export function nativeBinding(): NativeBinding {
  return loadAddon() as NativeBinding;
}

/** The addon for socket work on this OS, or an ERR_VMRPC_UNSUPPORTED_PLATFORM error naming `what`. */
export function socketBinding(what: string): NativeBinding {
  const binding = loadAddon();
  if (binding.platform !== 'linux') {
    throw new VmError(
      'ERR_VMRPC_UNSUPPORTED_PLATFORM',
      `${what} is not supported on ${process.platform} (vsock and hybrid vsock need Linux; Hyper-V sockets need Windows)`,
    );
  }
  return binding;
}

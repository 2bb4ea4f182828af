/**
 * Choosing the data path of a socket. The native-handle path needs Node's internal Pipe handle
 * (process.binding('pipe_wrap')): on the allow-list of Node 20-24, but undocumented and refused
 * under --permission, so it is feature-detected once and the portable path is the fallback.
 * VMRPC_DATA_PATH=portable (or native-handle) forces a path where the code asks for 'auto'.
 */
import type { DataPath } from './vm-socket';
import { VmError } from './errors';

/** A data path, or `auto` for the fastest one available. */
export type DataPathOption = 'auto' | DataPath;

/** The internal libuv Pipe handle class, as far as this package uses it. */
export interface PipeHandle {
  open(fd: number): number;
  close(callback?: () => void): void;
}

interface PipeWrapBinding {
  Pipe: new (type: number) => PipeHandle;
  constants: { SOCKET: number };
}

let pipeWrap: PipeWrapBinding | null | undefined;

/** The Pipe handle class, or null when this Node does not offer it. */
export function pipeWrapBinding(): PipeWrapBinding | null {
  if (pipeWrap !== undefined) return pipeWrap;
  pipeWrap = null;
  // On Windows a libuv pipe is a named pipe: it cannot carry a socket.
  if (process.platform === 'win32') return pipeWrap;
  try {
    const legacy = (process as unknown as { binding?: (name: string) => unknown }).binding;
    const candidate = typeof legacy === 'function' ? (legacy.call(process, 'pipe_wrap') as Partial<PipeWrapBinding>) : undefined;
    if (typeof candidate?.Pipe === 'function' && typeof candidate.constants?.SOCKET === 'number') {
      pipeWrap = candidate as PipeWrapBinding;
    }
  } catch {
    // --permission and future Nodes refuse process.binding: the portable path takes over.
  }
  return pipeWrap;
}

/** Whether the native-handle data path can be used in this process. */
export function nativeHandleAvailable(): boolean {
  return pipeWrapBinding() !== null;
}

/** Resolves an option (and the VMRPC_DATA_PATH environment variable) to the path to use. */
export function resolveDataPath(option: DataPathOption | undefined = 'auto'): DataPath {
  if (option !== 'auto' && option !== 'native-handle' && option !== 'portable') {
    throw new VmError('ERR_INVALID_ARG_VALUE', `dataPath must be 'auto', 'native-handle' or 'portable' (got ${JSON.stringify(option)})`);
  }
  let wanted: DataPathOption = option;
  if (wanted === 'auto') {
    const fromEnv = process.env.VMRPC_DATA_PATH;
    if (fromEnv === 'portable' || fromEnv === 'native-handle') wanted = fromEnv;
  }
  if (wanted === 'portable') return 'portable';
  if (nativeHandleAvailable()) return 'native-handle';
  if (wanted === 'native-handle') {
    const why =
      process.platform === 'win32'
        ? "on Windows the portable path (overlapped I/O) carries every socket"
        : "process.binding('pipe_wrap') is refused";
    throw new VmError('ERR_INVALID_ARG_VALUE', `dataPath 'native-handle' is not available in this Node process (${why}); use 'auto' or 'portable'`);
  }
  return 'portable';
}

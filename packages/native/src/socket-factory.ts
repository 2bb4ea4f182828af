/** Creates an unconnected socket of the data path that a set of options resolves to. */
import type { NativeBinding } from './binding';
import type { Win32Binding } from './binding-win32';
import { resolveDataPath, type DataPathOption } from './data-path';
import { NativeHandleSocket } from './native-handle-socket';
import { OverlappedSocket } from './overlapped-socket';
import { PortableSocket } from './portable-socket';
import type { AdoptingSocket } from './vm-socket';

export function createDataPathSocket(
  binding: NativeBinding | Win32Binding,
  dataPath: DataPathOption | undefined,
  allowHalfOpen: boolean | undefined,
): AdoptingSocket {
  const path = resolveDataPath(dataPath);
  // On Windows the portable path is overlapped I/O (resolveDataPath never picks native-handle there).
  if (binding.platform === 'win32') return new OverlappedSocket({ binding, allowHalfOpen });
  const options = { binding, allowHalfOpen: allowHalfOpen ?? false };
  return path === 'native-handle' ? new NativeHandleSocket(options) : new PortableSocket(options);
}

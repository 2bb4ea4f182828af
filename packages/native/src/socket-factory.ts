/** Creates an unconnected socket of the data path that a set of options resolves to. */
import type { NativeBinding } from './binding';
import { resolveDataPath, type DataPathOption } from './data-path';
import { NativeHandleSocket } from './native-handle-socket';
import { PortableSocket } from './portable-socket';
import type { AdoptingSocket } from './vm-socket';

export function createDataPathSocket(binding: NativeBinding, dataPath: DataPathOption | undefined, allowHalfOpen: boolean | undefined): AdoptingSocket {
  const options = { binding, allowHalfOpen: allowHalfOpen ?? false };
  return resolveDataPath(dataPath) === 'native-handle' ? new NativeHandleSocket(options) : new PortableSocket(options);
}

/** The parts of @vmrpc/native the client uses, in one place. */
import { connect, formatTarget, parseTarget, validateAddress, type ConnectOptions, type VmAddress } from '@vmrpc/native';

export { connect, formatTarget, type ConnectOptions, type VmAddress };

export function toAddressOrThrow(target: string | VmAddress): VmAddress {
  return typeof target === 'string' ? parseTarget(target) : validateAddress(target);
}

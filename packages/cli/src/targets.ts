/** The target argument every networked command takes, checked before anything is opened. */
import { parseTarget, type VmAddress } from '@vmrpc/native';
import { UsageError } from './errors';

/** The target in `positionals[0]`, parsed (a malformed one throws ERR_VMRPC_INVALID_TARGET, exit 2). */
export function targetArgument(positionals: readonly string[]): { target: string; address: VmAddress } {
  const target = positionals[0];
  if (target === undefined) throw new UsageError('missing the target (vsock:CID:PORT, unix:PATH, hybrid-vsock:PATH:PORT, hvsock:VMID:SERVICE)');
  return { target, address: parseTarget(target) };
}

/** Throws a UsageError if more than `count` positional arguments were given. */
export function atMost(positionals: readonly string[], count: number): void {
  if (positionals.length > count) throw new UsageError(`unexpected argument '${positionals[count]}'`);
}

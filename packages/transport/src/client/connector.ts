/**
 * Where a channel's connections come from: a target of @vmrpc/native (string or address), or a
 * function of the user's that returns a connected Duplex. Either way the result is one stream
 * per connection, bounded by the connect timeout and cancellable.
 */
import type { Duplex } from 'node:stream';
import { connect, formatTarget, toAddressOrThrow, type ConnectOptions, type VmAddress } from './native-imports';

/** Opens one connected byte stream; must honour `signal`. */
export type SocketFactory = (signal: AbortSignal) => Promise<Duplex>;

/** What a channel connects to. */
export type ChannelTarget = string | VmAddress | SocketFactory;

export interface Connector {
  /** A display name: the target string, or the channel's `name` option (`custom`) for a factory. */
  readonly name: string;
  open(signal: AbortSignal): Promise<Duplex>;
}

export function makeConnector(target: ChannelTarget, options: ConnectOptions, factoryName = 'custom'): Connector {
  if (typeof target === 'function') return { name: factoryName, open: (signal) => target(signal) };
  // Parse once up front, so a malformed target fails when the channel is created.
  const address = toAddressOrThrow(target);
  const name = formatTarget(address);
  return { name, open: (signal) => connect(address, { ...options, signal }) };
}

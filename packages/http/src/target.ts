/**
 * How a request names its VM target. A URL cannot: its host is a DNS name or an IP address, and
 * it stays what the server sees in the Host header (or HTTP/2 :authority). So the VM socket
 * target is an explicit option beside the URL, in the project's one target syntax
 * (`vsock:3:8080`, `hybrid-vsock:/run/fc.sock:8080`, `hvsock:VMID:8080`, `unix:/run/app.sock`),
 * either fixed or chosen per origin by a function.
 */
import { formatTarget, parseTarget, validateAddress, type VmAddress } from '@vmrpc/native';

/** A VM socket target: a target string such as `vsock:3:8080`, or a parsed address. */
export type VmTarget = string | VmAddress;

/** The origin a request goes to, as the URL names it (what a {@link TargetResolver} sees). */
export interface RequestOrigin {
  /** `http:` or `https:` (for HTTP/2 and WebSocket URLs too: their transport scheme). */
  protocol: string;
  /** The URL's host name, without the port. */
  hostname: string;
  /** The URL's port, or the scheme's default port when the URL names none. */
  port: number;
}

/** Chooses the VM target for an origin; lets one agent or dispatcher reach several VMs by host name. */
export type TargetResolver = (origin: RequestOrigin) => VmTarget;

/** A fixed target, or a function that picks one per origin. */
export type TargetOption = VmTarget | TargetResolver;

/** A target chosen for a request: the checked address, and its canonical string (a pool key). */
export interface ResolvedTarget {
  readonly address: VmAddress;
  /** formatTarget(address). */
  readonly key: string;
}

/** Resolves and validates a target option for `origin`. */
export function resolveTarget(option: TargetOption | undefined, origin: RequestOrigin, what: string): ResolvedTarget {
  if (option === undefined) {
    throw new TypeError(`${what}: no VM target; pass \`target\` (e.g. 'vsock:3:8080'), the URL's host only fills the Host header`);
  }
  // The address is what gets connected: its string form is only a key.
  const address = toVmAddress(typeof option === 'function' ? option(origin) : option);
  return { address, key: formatTarget(address) };
}

/** A target string parsed, or an address object checked (ERR_VMRPC_INVALID_TARGET when malformed). */
export function toVmAddress(target: VmTarget): VmAddress {
  return typeof target === 'string' ? parseTarget(target) : validateAddress(target);
}

/** Checks a target option when an agent or dispatcher is made, so a typo fails early. */
export function checkTargetOption(option: unknown, what: string): TargetOption | undefined {
  if (option === undefined || typeof option === 'function') return option as TargetResolver | undefined;
  if (typeof option === 'string') {
    parseTarget(option);
    return option;
  }
  if (typeof option === 'object' && option !== null) {
    validateAddress(option as VmAddress);
    return option as VmAddress;
  }
  throw new TypeError(`${what}: \`target\` must be a target string such as 'vsock:3:8080', a VmAddress or a function; got ${typeof option}`);
}

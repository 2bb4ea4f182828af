/**
 * The gateway's resource bounds (AgentHostOptions.gateway): the largest message it forwards and
 * what one caller connection may have in flight. Defaults are gRPC's 4 MiB message limit and the
 * receive windows the project's channel uses (HTTP/2's 64 KiB default costs a round trip per
 * 64 KiB of a large request); the windows also bound the host memory one caller can hold.
 */

/** Limits of every gateway listener of one AgentHost. */
export interface GatewayLimits {
  /** Largest message forwarded (a compressed request: once inflated). Default 4 MiB. */
  maxMessageBytes?: number;
  /** HTTP/2 receive window of each caller stream. Default 1 MiB. */
  streamWindowBytes?: number;
  /** HTTP/2 receive window of each caller connection. Default 8 MiB. */
  connectionWindowBytes?: number;
  /** Concurrent calls per caller connection. Default 256. */
  maxConcurrentStreams?: number;
}

export const GATEWAY_LIMIT_DEFAULTS: Readonly<Required<GatewayLimits>> = {
  maxMessageBytes: 4 * 1024 * 1024,
  streamWindowBytes: 1 << 20,
  connectionWindowBytes: 8 << 20,
  maxConcurrentStreams: 256,
};

/** HTTP/2's largest window (RFC 9113, 6.9.1), also grpc-js's largest message length. */
const MAX_WINDOW = 2 ** 31 - 1;
/** HTTP/2's initial window; a smaller one only slows callers down. */
const MIN_WINDOW = 65_535;

const RANGES: Record<keyof GatewayLimits, readonly [number, number]> = {
  maxMessageBytes: [1, MAX_WINDOW],
  streamWindowBytes: [MIN_WINDOW, MAX_WINDOW],
  connectionWindowBytes: [MIN_WINDOW, MAX_WINDOW],
  maxConcurrentStreams: [1, 2 ** 32 - 1],
};

/** `limits` with defaults filled in; a RangeError names any value out of its range. */
export function gatewayLimits(limits: GatewayLimits = {}): Required<GatewayLimits> {
  if (typeof limits !== 'object' || limits === null) throw new TypeError(`options.gateway must be an object of limits (got ${String(limits)})`);
  const result = { ...GATEWAY_LIMIT_DEFAULTS };
  for (const key of Object.keys(RANGES) as (keyof GatewayLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    const [min, max] = RANGES[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`options.gateway.${key} must be an integer from ${min} to ${max} (got ${String(value)}); the default is ${GATEWAY_LIMIT_DEFAULTS[key]}`);
    }
    result[key] = value;
  }
  return result;
}

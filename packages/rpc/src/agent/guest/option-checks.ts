/**
 * Checks of GuestAgent's options, made in its constructor: a bad value fails there with an error
 * naming the option, not later at connect() (a host refusing the registration for good) or in a
 * timer (a wait past 2^31-1 ms fires after 1 ms, NaN at once, 0 redials in a tight loop).
 */
import { hostname as osHostname } from 'node:os';
import { checkBackoff, checkTimerMs, type BackoffOptions } from '@vmrpc/transport';
import { RpcError } from '../../errors';
import { checkRegister } from '../protocol/registration';
import type { GuestAgentOptions } from './options';

export interface CheckedGuestOptions {
  registrationTimeoutMs: number;
  reconnect: BackoffOptions;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5000 };

/** The timing options with their defaults; throws naming the first bad option. */
export function checkGuestOptions(options: GuestAgentOptions): CheckedGuestOptions {
  const timeout = options.registrationTimeoutMs;
  return {
    registrationTimeoutMs: timeout === undefined ? 10_000 : checkTimerMs('GuestAgent options.registrationTimeoutMs', timeout),
    reconnect: options.reconnect === undefined ? DEFAULT_BACKOFF : checkBackoff('GuestAgent options.reconnect', options.reconnect),
  };
}

/**
 * Throws a TypeError naming `version` or `hostname` when the host would refuse a registration
 * carrying them (INVALID_ARGUMENT, which stops the agent for good).
 */
export function checkRegistrationFields(options: GuestAgentOptions, name: string, labels: Record<string, string>): void {
  for (const key of ['version', 'hostname'] as const) {
    const value: unknown = options[key];
    if (value !== undefined && typeof value !== 'string') throw new TypeError(`GuestAgent options.${key} must be a string (got ${typeof value})`);
  }
  try {
    // What registerMessage() will send, without asking the kernel for the CID (informational).
    checkRegister({ agentId: options.id, name, labels, version: options.version ?? '', services: [], localCid: 0, hostname: options.hostname ?? osHostname() });
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    throw new TypeError(`GuestAgent options: ${error.details.replace(/^invalid registration: /, '')}`);
  }
}

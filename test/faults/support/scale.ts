/**
 * How much each fault test does: CI's default, the longer optional run (VMRPC_FAULTS_LONG=1 or
 * `pnpm test:faults -- --long`), and the VM guest, where TCG makes CPU work ~10x slower.
 */
export interface Scale {
  readonly name: 'ci' | 'long' | 'guest' | 'guest-long';
  readonly concurrentCalls: number;
  readonly concurrentConnections: number;
  readonly connectCycles: number;
  readonly bigStreamBytes: number;
  readonly integrityRounds: number;
  readonly fuzzInputs: number;
  readonly stormSize: number;
}

const CI: Scale = {
  name: 'ci',
  concurrentCalls: 1000,
  concurrentConnections: 200,
  connectCycles: 5000,
  bigStreamBytes: 1 << 30,
  integrityRounds: 20,
  fuzzInputs: 10_000,
  stormSize: 500,
};

const LONG: Scale = {
  name: 'long',
  concurrentCalls: 5000,
  concurrentConnections: 500,
  connectCycles: 50_000,
  bigStreamBytes: 4 * (1 << 30),
  integrityRounds: 200,
  fuzzInputs: 200_000,
  stormSize: 2000,
};

const GUEST: Scale = {
  name: 'guest',
  concurrentCalls: 1000,
  concurrentConnections: 100,
  connectCycles: 1000,
  bigStreamBytes: 128 << 20,
  integrityRounds: 6,
  fuzzInputs: 2000,
  stormSize: 200,
};

const GUEST_LONG: Scale = { ...GUEST, name: 'guest-long', connectCycles: 5000, bigStreamBytes: 512 << 20, integrityRounds: 20, fuzzInputs: 20_000, stormSize: 500 };

export function faultScale(): Scale {
  const long = process.env.VMRPC_FAULTS_LONG === '1';
  if (process.env.VMRPC_HARNESS_GUEST === '1') return long ? GUEST_LONG : GUEST;
  return long ? LONG : CI;
}

/** Milliseconds scaled for the guest (TCG) and the long run, for bounds on waits. */
export function generous(ms: number): number {
  const scale = faultScale();
  if (scale.name === 'guest' || scale.name === 'guest-long') return ms * 6;
  return scale.name === 'long' ? ms * 4 : ms;
}

/**
 * What a registration may contain. A host checks every field before it keeps anything, so a
 * hostile guest cannot grow the host's memory or put control characters in its logs.
 */
import { RpcError, Status } from '../../errors';
import type { Register } from './generated/vmrpc/agent/v1/agent';

export const LIMITS = Object.freeze({
  idBytes: 128,
  nameBytes: 256,
  labels: 64,
  labelKeyBytes: 128,
  labelValueBytes: 1024,
  versionBytes: 128,
  services: 256,
  serviceNameBytes: 512,
  hostnameBytes: 256,
});

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const SERVICE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// Control characters (C0, DEL, C1) in free text.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws a TypeError naming the field when `id` is not a valid agent id. */
export function checkAgentId(id: unknown, name = 'id'): string {
  if (typeof id !== 'string' || !AGENT_ID.test(id) || Buffer.byteLength(id) > LIMITS.idBytes) {
    throw new TypeError(`${name} must be 1-${LIMITS.idBytes} bytes of letters, digits and . _ : @ - (starting with a letter or digit); got ${JSON.stringify(id)}`);
  }
  return id;
}

export interface AgentDescription {
  name: string;
  labels: Readonly<Record<string, string>>;
  services: readonly string[];
}

/** Checks name, labels and services; returns a problem or undefined. */
export function descriptionProblem(description: AgentDescription): string | undefined {
  if (Buffer.byteLength(description.name) > LIMITS.nameBytes || CONTROL.test(description.name)) return `name: at most ${LIMITS.nameBytes} bytes, no control characters`;
  const labels = Object.entries(description.labels);
  if (labels.length > LIMITS.labels) return `labels: at most ${LIMITS.labels}`;
  for (const [key, value] of labels) {
    if (!LABEL_KEY.test(key) || Buffer.byteLength(key) > LIMITS.labelKeyBytes) return `label key ${JSON.stringify(key.slice(0, 40))}: letters, digits and . _ / -, at most ${LIMITS.labelKeyBytes} bytes`;
    if (Buffer.byteLength(value) > LIMITS.labelValueBytes || CONTROL.test(value)) return `label ${key}: value of at most ${LIMITS.labelValueBytes} bytes, no control characters`;
  }
  if (description.services.length > LIMITS.services) return `services: at most ${LIMITS.services}`;
  for (const service of description.services) {
    if (!SERVICE_NAME.test(service) || Buffer.byteLength(service) > LIMITS.serviceNameBytes) return `service name ${JSON.stringify(service.slice(0, 60))} is not a fully-qualified protobuf name`;
  }
  return undefined;
}

/** Validates a Register message; throws RpcError(INVALID_ARGUMENT) naming the bad field. */
export function checkRegister(register: Register): void {
  const invalid = (problem: string): RpcError => new RpcError(Status.INVALID_ARGUMENT, `invalid registration: ${problem}`);
  try {
    checkAgentId(register.agentId, 'agent_id');
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const problem = descriptionProblem(register);
  if (problem !== undefined) throw invalid(problem);
  if (Buffer.byteLength(register.version) > LIMITS.versionBytes || CONTROL.test(register.version)) throw invalid(`version: at most ${LIMITS.versionBytes} bytes, no control characters`);
  if (Buffer.byteLength(register.hostname) > LIMITS.hostnameBytes || CONTROL.test(register.hostname)) throw invalid(`hostname: at most ${LIMITS.hostnameBytes} bytes, no control characters`);
}

/**
 * The host's side of AgentRegistry.Session: checks the registration (shape, protocol version,
 * the link it arrived on, `authorize`), registers it, then relays heartbeats, updates and
 * drains until the stream ends. Messages of kinds this version does not know (a newer minor
 * version of the protocol) are ignored, as the protocol promises.
 */
import { RpcError, Status } from '../../errors';
import type { CallContext } from '../../server/context';
import { durationFromMillis } from '../../codec/well-known';
import type { AgentMessage, HostMessage, Register } from '../protocol/generated/vmrpc/agent/v1/agent';
import { AGENT_PROTOCOL_VERSION, formatVersion } from '../protocol/version';
import { checkRegister, descriptionProblem } from '../protocol/registration';
import type { Link, LinkTable } from '../link/link-table';
import { authorizeWithin } from '@vmrpc/transport';
import { withTimeout } from '../util/timers';
import type { AgentSession } from './agent-session';
import type { Registry } from './registry';

/** Decides whether an agent may register; sees the verified peer and the registration. */
export type RegistrationAuthorizer = (peer: string, registration: Readonly<Register>) => boolean | Promise<boolean>;

export interface SessionHandlerOptions {
  links: LinkTable;
  registry: Registry;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  registrationTimeoutMs: number;
  authorize: RegistrationAuthorizer | undefined;
  hostServices: () => string[];
  /** Counts Session calls in progress, so closing can wait for their last messages. */
  active: Set<Promise<void>>;
  /** Aborted (with an RpcError UNAVAILABLE) when the host closes: sessions still registering end. */
  closing: AbortSignal;
  /** Told of every link a registration arrived on. */
  onRegistered: (link: Link) => void;
  log: (level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/** Host messages one agent may leave unread before its session is ended. */
const MAX_QUEUED_TO_AGENT = 256;

export function sessionHandler(options: SessionHandlerOptions) {
  return async function* session(requests: AsyncIterable<AgentMessage>, context: CallContext): AsyncGenerator<HostMessage> {
    const link = options.links.get(context.peer);
    if (link === undefined) throw new RpcError(Status.PERMISSION_DENIED, 'sessions are accepted only on agent links');
    let finished!: () => void;
    const running = new Promise<void>((resolve) => (finished = resolve));
    options.active.add(running);
    try {
      yield* registeredSession(requests, context, link, options);
    } finally {
      options.active.delete(running);
      finished();
    }
  };
}

async function* registeredSession(requests: AsyncIterable<AgentMessage>, context: CallContext, link: Link, options: SessionHandlerOptions): AsyncGenerator<HostMessage> {
  {
    const incoming = requests[Symbol.asyncIterator]();
    // Until it registers, a session ends at once when its call is cancelled or the host closes.
    const stopped = AbortSignal.any([context.signal, options.closing]);
    const register = await unlessStopped(firstRegistration(incoming, options.registrationTimeoutMs), stopped);
    await unlessStopped(checkAdmission(register, link, options), stopped);
    // A registration whose link died (or whose host began closing) while it was checked must
    // not land: it would replace the agent's newer session with a dead one.
    if (stopped.aborted) throw refusal(stopped);
    const session = options.registry.open(register, link);
    const onCancel = (): void => session.end('disconnected');
    context.signal.addEventListener('abort', onCancel, { once: true });
    options.log('info', `agent ${register.agentId} registered`, { peer: link.identity, session: session.id, version: register.version });
    session.outgoing.push({
      kind: {
        $case: 'registered',
        registered: {
          protocol: { ...AGENT_PROTOCOL_VERSION },
          sessionId: session.id,
          linkToken: session.token,
          heartbeatInterval: durationFromMillis(options.heartbeatIntervalMs),
          heartbeatTimeout: durationFromMillis(options.heartbeatTimeoutMs),
          peer: link.identity,
          hostServices: options.hostServices(),
        },
      },
    });
    session.startWatchdog();
    options.onRegistered(link);
    options.registry.announce(session);
    void relayIncoming(incoming, session, options);
    try {
      yield* session.outgoing;
    } finally {
      context.signal.removeEventListener('abort', onCancel);
      session.end('disconnected');
      options.log('info', `agent ${register.agentId} offline (${session.endReason ?? 'disconnected'})`, { peer: link.identity, session: session.id });
    }
  }
}

/** Why a session that had not registered yet ends: its call was cancelled, or the host closes. */
function refusal(stopped: AbortSignal): RpcError {
  return stopped.reason instanceof RpcError ? stopped.reason : new RpcError(Status.CANCELLED, 'the session ended while its registration was checked');
}

/** `promise`, or a rejection with refusal() as soon as `stopped` aborts. */
async function unlessStopped<T>(promise: Promise<T>, stopped: AbortSignal): Promise<T> {
  if (stopped.aborted) throw refusal(stopped);
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(refusal(stopped));
    stopped.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    stopped.removeEventListener('abort', onAbort);
  }
}

async function firstRegistration(incoming: AsyncIterator<AgentMessage>, timeoutMs: number): Promise<Register> {
  const first = await withTimeout(incoming.next(), timeoutMs, () => new RpcError(Status.DEADLINE_EXCEEDED, `no registration within ${timeoutMs} ms`));
  if (first.done === true || first.value.kind?.$case !== 'register') {
    throw new RpcError(Status.INVALID_ARGUMENT, 'the first message of a session must be a registration');
  }
  return first.value.kind.register;
}

async function checkAdmission(register: Register, link: Link, options: SessionHandlerOptions): Promise<void> {
  checkRegister(register);
  const major = register.protocol?.major ?? 0;
  if (major !== AGENT_PROTOCOL_VERSION.major) {
    throw new RpcError(Status.FAILED_PRECONDITION, `agent protocol ${formatVersion(register.protocol)} is not supported; this host speaks ${formatVersion(AGENT_PROTOCOL_VERSION)}`);
  }
  const authorize = options.authorize;
  if (authorize !== undefined) {
    let failure: Error | undefined;
    const allowed = await authorizeWithin(() => authorize(link.identity, register), options.registrationTimeoutMs, (error) => {
      failure = error;
      options.log('warn', `authorize failed for agent ${register.agentId}: ${error.message}`, { peer: link.identity });
    });
    // A throw or a timeout is the host's hiccup, not a verdict: the agent retries (UNAVAILABLE).
    // Only an answer other than true is final (PERMISSION_DENIED stops the agent).
    if (failure !== undefined) throw new RpcError(Status.UNAVAILABLE, `the host could not decide whether agent ${register.agentId} may register (authorize failed: ${failure.message}); try again later`);
    if (!allowed) throw new RpcError(Status.PERMISSION_DENIED, `peer ${link.identity} may not register agent ${register.agentId}`);
  }
}

async function relayIncoming(incoming: AsyncIterator<AgentMessage>, session: AgentSession, options: SessionHandlerOptions): Promise<void> {
  let drained = false;
  try {
    for (;;) {
      const next = await incoming.next();
      if (next.done === true) break;
      options.registry.touch(session);
      const kind = next.value.kind;
      switch (kind?.$case) {
        case 'heartbeat':
          // An agent that sends without reading would grow the host's queue without end.
          if (session.outgoing.size >= MAX_QUEUED_TO_AGENT) {
            session.end('refused', new RpcError(Status.RESOURCE_EXHAUSTED, `agent ${session.agentId} does not read its session stream`));
            return;
          }
          session.outgoing.push({ kind: { $case: 'heartbeat', heartbeat: { sequence: kind.heartbeat.sequence } } });
          break;
        case 'update': {
          const problem = descriptionProblem(kind.update);
          if (problem !== undefined) {
            session.end('refused', new RpcError(Status.INVALID_ARGUMENT, `invalid update: ${problem}`));
            return;
          }
          options.registry.update(session, kind.update);
          break;
        }
        case 'drain':
          drained = true;
          options.registry.draining(session);
          break;
        case 'register':
          session.end('refused', new RpcError(Status.INVALID_ARGUMENT, 'a session registers once'));
          return;
        default:
          // A kind from a newer minor version: ignored.
          break;
      }
    }
    session.end(drained ? 'shutdown' : 'disconnected');
  } catch {
    session.end('disconnected');
  }
}

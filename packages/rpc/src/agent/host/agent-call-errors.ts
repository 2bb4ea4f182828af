/**
 * Errors of calls to an agent that say which agent and why. The handle's channel reports a call
 * it could not place as the channel sees it (UNAVAILABLE "Failed to connect to custom: ...", or
 * with waitForReady a bare DEADLINE_EXCEEDED); the typed clients of host.agent(id) re-state
 * those in the agent's terms: NOT_FOUND for an id the host does not know, and a deadline error
 * that names the agent and its state.
 */
import { RpcError, Status } from '../../errors';
import type { AgentInfo } from './agent-info';

/** Where agent `id` is, in words: "agent vm-42 is offline (shutdown)". */
export function whereIs(id: string, agent: AgentInfo | undefined): string {
  if (agent === undefined) return `agent ${id} is not registered with this host`;
  if (agent.state === 'offline') return `agent ${id} is offline (${agent.offlineReason ?? 'unknown'})`;
  return `agent ${id} is ${agent.state}`;
}

/** `error` in the agent's terms (or unchanged when it says nothing about placing the call). */
export function agentCallError(error: unknown, id: string, agent: AgentInfo | undefined): unknown {
  if (!RpcError.is(error)) return error;
  if (error.code === Status.UNAVAILABLE && agent === undefined) {
    return new RpcError(Status.NOT_FOUND, whereIs(id, agent), error.metadata, { cause: error });
  }
  if (error.code === Status.DEADLINE_EXCEEDED && agent?.state !== 'online') {
    return new RpcError(Status.DEADLINE_EXCEEDED, `${error.details || 'Deadline exceeded'}: ${whereIs(id, agent)}`, error.metadata, { cause: error });
  }
  return error;
}

function explainedIterable<T>(iterable: AsyncIterable<T>, explain: (error: unknown) => unknown): AsyncIterable<T> {
  const wrapped = Object.create(iterable) as AsyncIterable<T>;
  Object.defineProperty(wrapped, Symbol.asyncIterator, {
    value: () => {
      const iterator = iterable[Symbol.asyncIterator]();
      const wrappedIterator: AsyncIterator<T> = {
        next: (...args) => iterator.next(...args).catch((error: unknown) => Promise.reject(explain(error))),
      };
      if (iterator.return !== undefined) wrappedIterator.return = (value) => iterator.return!(value);
      if (iterator.throw !== undefined) wrappedIterator.throw = (error) => iterator.throw!(error);
      return wrappedIterator;
    },
  });
  return wrapped;
}

/** Makes every method of a typed client (in place, so the client stays the same object) report errors via `explain`. */
export function explainCallErrors<C extends object>(client: C, explain: (error: unknown) => unknown): C {
  const methods = client as Record<string, unknown>;
  for (const [name, method] of Object.entries(methods)) {
    if (typeof method !== 'function') continue;
    methods[name] = (...args: unknown[]): unknown => {
      const result: unknown = (method as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) return result.catch((error: unknown) => Promise.reject(explain(error)));
      if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) return explainedIterable(result as AsyncIterable<unknown>, explain);
      return result;
    };
  }
  return client;
}

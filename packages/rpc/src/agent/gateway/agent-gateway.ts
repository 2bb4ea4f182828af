/**
 * The gateway's decision for one call that names an agent (`vmrpc-agent: <id>`): a well-formed
 * request, a caller allowed to make it, an agent the host knows and that is online (or a caller
 * that asked to wait for it); then the call is forwarded to the agent over its call links
 * (forward-call.ts). Each refusal is one gRPC status naming what is wrong.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { status as Status, type ChannelInterface } from '@grpc/grpc-js';
import { authorizeWithin } from '@vmrpc/transport';
import { checkAgentId } from '../protocol/registration';
import { agentWhereabouts as whereIs, type AgentInfo } from '../host/agent-info';
import type { LogLevel } from '../util/logger';
import { agentIdOf, deadlineOf, encodingOf, forwardedMetadata, waitOf, GATEWAY_AGENT_METADATA, GATEWAY_WAIT_METADATA } from './call-headers';
import { forwardCall } from './forward-call';
import { sendStatus } from './grpc-reply';
import type { GatewayAuthorizer, GatewayCaller } from './options';

export interface AgentGatewayOptions {
  lookup(id: string): AgentInfo | undefined;
  /** Resolves when agent `id` is online; rejects after `timeoutMs` or on abort (AgentHost#waitFor). */
  waitFor(id: string, timeoutMs: number, signal: AbortSignal): Promise<unknown>;
  /** The channel whose connections are agent `id`'s call links (AgentHandle#callChannel). */
  channelOf(id: string): ChannelInterface;
  authorizeTimeoutMs: number;
  maxMessageBytes: number;
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export class AgentGateway {
  constructor(private readonly options: AgentGatewayOptions) {}

  /** Answers or forwards a call on `stream` whose headers name an agent. */
  async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: readonly string[], caller: GatewayCaller, authorize: GatewayAuthorizer | undefined): Promise<void> {
    const refuse = (code: Status, details: string): void => sendStatus(stream, { code, details });
    const path = headers[':path'] ?? '';
    const id = agentIdOf(headers) ?? '';
    try {
      checkAgentId(id, GATEWAY_AGENT_METADATA);
    } catch (error) {
      return refuse(Status.INVALID_ARGUMENT, (error as Error).message);
    }
    const deadline = deadlineOf(headers);
    if (deadline === undefined) return refuse(Status.INVALID_ARGUMENT, `malformed grpc-timeout ${JSON.stringify(headers['grpc-timeout'])}`);
    const allows = async (): Promise<boolean> =>
      authorize === undefined ||
      authorizeWithin(() => authorize(caller, this.options.lookup(id), path, id), this.options.authorizeTimeoutMs, (error) =>
        this.options.log('warn', `gateway authorize failed for ${caller.peer} calling ${path} on agent ${id}: ${error.message}`),
      );
    const denied = `${caller.identity} may not call ${path} on agent ${id} through this gateway`;
    if (!(await allows())) return refuse(Status.PERMISSION_DENIED, denied);
    const wait = waitOf(headers);
    if (wait === undefined) return refuse(Status.INVALID_ARGUMENT, `${GATEWAY_WAIT_METADATA} must be a number of milliseconds (got ${JSON.stringify(headers[GATEWAY_WAIT_METADATA])})`);
    const agent = this.options.lookup(id);
    // With a wait, an agent not registered yet (a booting VM's) is waited for like an offline one.
    if (agent?.state !== 'online') {
      const budget = Math.max(1, Math.min(wait, deadline - Date.now()));
      const failure = wait === 0 ? { details: whereIs(id, agent), closed: false } : await this.waitFor(stream, id, budget);
      if (failure !== undefined) {
        const now = this.options.lookup(id);
        return refuse(now === undefined && !failure.closed ? Status.NOT_FOUND : Status.UNAVAILABLE, failure.details);
      }
      // authorize saw no agent (or an offline one) before the wait: it decides again on the one that came.
      if (!(await allows())) return refuse(Status.PERMISSION_DENIED, denied);
    }
    forwardCall(stream, this.options.channelOf(id), {
      path,
      deadline,
      metadata: forwardedMetadata(rawHeaders, true),
      maxMessageBytes: this.options.maxMessageBytes,
      encoding: encodingOf(headers),
    });
  }

  /** Waits up to `timeoutMs` for agent `id`: undefined when it came, else what the caller is told (closed: the host closed meanwhile). */
  private async waitFor(stream: ServerHttp2Stream, id: string, timeoutMs: number): Promise<{ details: string; closed: boolean } | undefined> {
    const left = new AbortController();
    const onClose = (): void => left.abort();
    stream.once('close', onClose);
    try {
      await this.options.waitFor(id, timeoutMs, left.signal);
      return stream.destroyed ? { details: 'the caller left', closed: false } : undefined;
    } catch (error) {
      const closed = (error as { code?: unknown }).code === 'ERR_AGENT_HOST_CLOSED';
      return { details: `${whereIs(id, this.options.lookup(id))}; ${closed ? 'the agent host closed while the call waited' : `waited ${timeoutMs} ms`}`, closed };
    } finally {
      stream.off('close', onClose);
    }
  }
}

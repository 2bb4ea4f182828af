/**
 * host.agent(id): typed clients of one agent's services. The handle owns one channel whose
 * connections are call links of the agent's current session (opened on demand), so a client
 * made once keeps working across the agent's reconnects. While the agent is offline, calls fail
 * fast with UNAVAILABLE (or wait with waitForReady); when it goes offline, calls in progress
 * end with UNAVAILABLE; an id the host does not know is NOT_FOUND.
 */
import type { Duplex } from 'node:stream';
import { createChannel, type VmChannel, type VmChannelOptions } from '@vmrpc/transport';
import { createClient, type Client, type ClientOptions } from '../../client/create-client';
import type { ServiceDescriptor } from '../../descriptor';
import type { AgentInfo } from './agent-info';

/** Opens a call link to the agent's current session, or rejects saying why there is none. */
export type CallLinkOpener = (agentId: string, signal: AbortSignal) => Promise<Duplex>;

/** One agent, as `host.agent(id)` gives it: its info and typed clients of its services. */
export class AgentHandle {
  private channel: VmChannel | undefined;

  constructor(
    readonly id: string,
    private readonly lookup: (id: string) => AgentInfo | undefined,
    private readonly openCallLink: CallLinkOpener,
    private readonly channelOptions: VmChannelOptions,
  ) {}

  /** The agent as the host knows it now (undefined if it never registered or was forgotten). */
  get info(): AgentInfo | undefined {
    return this.lookup(this.id);
  }

  /**
   * A typed client of `service` on this agent. Clients share the handle's channel. Calls to an
   * id the host does not know fail with NOT_FOUND; a deadline that passes while the agent is
   * not online (waitForReady) says which agent and why (the channel reports what opening a call
   * link said, so grpc-js clients of `callChannel()` see the same).
   */
  client<S extends ServiceDescriptor>(service: S, options: Pick<ClientOptions, 'defaultCallOptions'> = {}): Client<S> {
    return createClient(service, this.callChannel(), options);
  }

  /** The channel to the agent (for grpc-js clients made the grpc-js way). */
  callChannel(): VmChannel {
    this.channel ??= createChannel((signal) => this.openCallLink(this.id, signal), { http2: 'vmrpc', ...this.channelOptions, name: `agent ${this.id}` });
    return this.channel;
  }

  /** The agent came (back) online: connect at once rather than after a backoff. */
  online(): void {
    this.channel?.resetConnectBackoff();
  }

  /** The agent went offline: calls in progress end with UNAVAILABLE now. */
  offline(reason: string): void {
    this.channel?.dropConnection(`agent ${this.id} went offline (${reason})`);
  }

  /**
   * Closes the handle's channel (the host does this when it closes): new calls fail with
   * UNAVAILABLE, calls in progress finish on their call links, which then close.
   */
  close(): void {
    this.channel?.close();
  }
}

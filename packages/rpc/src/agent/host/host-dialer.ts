/**
 * AgentHost#connect(): the host dials an agent that listens (`vsock:CID:PORT`) and keeps a
 * session link to it: dial, send the session preface, hand the link to the host's gRPC server
 * (the agent speaks HTTP/2 client on it and registers as if it had dialed), and dial again with
 * jittered backoff whenever the link is lost, until close().
 */
import type { VmAddress, VmSocket } from '@vmrpc/native';
import { Backoff, type BackoffOptions } from '@vmrpc/transport';
import { dialLink, type DialLinkOptions } from '../link/dial-link';
import type { Link, LinkTable } from '../link/link-table';
import { delay } from '../util/timers';

export interface HostDialerOptions {
  links: LinkTable;
  connect: DialLinkOptions['connect'];
  handshakeTimeoutMs: number;
  backoff: BackoffOptions;
  /** Serves a dialed link (the host's gRPC server takes it). */
  serve(link: Link): void;
  /** True once an agent registered on `link` (a link that never registers does not reset the backoff). */
  registeredOn(link: Link): boolean;
  log(level: 'debug' | 'warn', message: string): void;
}

export class HostDialer {
  private readonly abort = new AbortController();
  private current: Link | undefined;

  constructor(
    readonly target: VmAddress,
    private readonly options: HostDialerOptions,
  ) {
    void this.run();
  }

  /** The session link while it is open. */
  get link(): Link | undefined {
    return this.current;
  }

  close(): void {
    this.abort.abort();
    this.current?.socket.destroy();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const backoff = new Backoff(this.options.backoff);
    while (!signal.aborted) {
      try {
        const socket = await dialLink<VmSocket>(this.target, { kind: 'session' }, { signal, connect: this.options.connect, handshakeTimeoutMs: this.options.handshakeTimeoutMs });
        const link = this.options.links.addDialed(socket, socket.remoteVmAddress ?? this.target);
        if (link === undefined) {
          socket.destroy();
          throw new Error('too many connections to this peer (maxConnectionsPerPeer)');
        }
        this.current = link;
        const closed = new Promise<void>((resolve) => socket.once('close', resolve));
        this.options.serve(link);
        await closed;
        this.current = undefined;
        if (this.options.registeredOn(link)) backoff.reset();
        if (!signal.aborted) this.options.log('debug', 'session link closed; dialing again');
      } catch (error) {
        if (signal.aborted) return;
        this.options.log('warn', `session link failed: ${(error as Error).message}`);
      }
      await delay(backoff.next(), signal).catch(() => undefined);
    }
  }
}

/**
 * STAND-IN for the host side of a Firecracker / Cloud Hypervisor vsock device (its "muxer"),
 * written to their documented hybrid vsock protocol so that our host-side code can be tested
 * where no VMM can run. It is not a VMM: the "guest" is a set of in-process port handlers.
 *
 * Documented behaviour reproduced:
 * - Host -> guest: the host connects to `udsPath` and writes `CONNECT <port>\n` (decimal, the
 *   word matched case-insensitively, line at most 32 bytes). If a guest listener exists on that
 *   port the VMM answers `OK <host_port>\n` (host ports from [2^30, 2^31)) before any data;
 *   otherwise it closes the connection without a word. A host that sends no complete line
 *   within the request timeout (2 s) is disconnected.
 * - Guest -> host: a guest connecting to CID 2 port P makes the VMM connect to `<udsPath>_P`;
 *   if nothing listens there the guest's connection is reset.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

export type GuestHandler = (stream: net.Socket) => void;

export interface MuxerStandInOptions {
  /** Replaces the OK line (to test hostile or broken VMMs). */
  replyOverride?: (port: number) => Buffer | 'silent' | 'close';
  requestTimeoutMs?: number;
}

export class FirecrackerMuxerStandIn {
  private readonly server: net.Server;
  private readonly guestListeners = new Map<number, GuestHandler>();
  private nextHostPort = 1 << 30;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly udsPath: string,
    private readonly options: MuxerStandInOptions = {},
  ) {
    this.server = net.createServer((socket) => this.onHostConnection(socket));
  }

  async start(): Promise<void> {
    fs.rmSync(this.udsPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.udsPath, () => resolve());
    });
  }

  /** A guest process listening on vsock port `port`. */
  guestListen(port: number, handler: GuestHandler): void {
    this.guestListeners.set(port, handler);
  }

  /** A guest process connecting to the host (CID 2) port `port`: the VMM dials `<udsPath>_<port>`. */
  guestConnect(port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(`${this.udsPath}_${port}`);
      this.track(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private onHostConnection(socket: net.Socket): void {
    this.track(socket);
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.options.requestTimeoutMs ?? 2000);
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      const newline = pending.indexOf(0x0a);
      if (newline < 0) {
        if (pending.length >= 32) socket.destroy();
        return;
      }
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.pause();
      const line = pending.subarray(0, newline).toString('latin1');
      const rest = pending.subarray(newline + 1);
      const match = /^connect ([0-9]+)$/i.exec(line);
      const handler = match === null ? undefined : this.guestListeners.get(Number(match[1]));
      if (match === null || handler === undefined) return void socket.destroy();
      const port = Number(match[1]);
      const reply = this.options.replyOverride?.(port);
      if (reply === 'close') return void socket.destroy();
      if (reply === 'silent') return;
      socket.write(reply ?? Buffer.from(`OK ${this.nextHostPort++}\n`));
      if (rest.length > 0) socket.unshift(rest);
      handler(socket);
      socket.resume();
    };
    socket.on('data', onData);
  }
}

/**
 * A STAND-IN for the host end of a Firecracker vsock device (the VMM's "muxer"), so the host side
 * of this example runs where no VMM can: it speaks the documented hybrid vsock protocol on a
 * Unix socket, and its "guest" is a set of in-process port handlers. It is not a VMM.
 *
 * - host -> guest: `CONNECT <port>\n` on `udsPath`; `OK <host port>\n` if the guest listens on
 *   that port, else the connection is closed without a word;
 * - guest -> host: a guest dialing CID 2 port P becomes a connection to `<udsPath>_P`.
 */
import * as net from 'node:net';
import { rmSync } from 'node:fs';
import type { Duplex } from 'node:stream';

export class FirecrackerMuxerStandIn {
  private readonly listener = net.createServer((socket) => this.onHost(socket));
  private readonly guestPorts = new Map<number, (stream: Duplex) => void>();
  private readonly open = new Set<net.Socket>();
  private hostPort = 2 ** 30;

  constructor(readonly udsPath: string) {}

  start(): Promise<void> {
    rmSync(this.udsPath, { force: true });
    return new Promise((resolve, reject) => this.listener.once('error', reject).listen(this.udsPath, resolve));
  }

  /** The "guest" listens on vsock port `port`. */
  guestListens(port: number, handler: (stream: Duplex) => void): void {
    this.guestPorts.set(port, handler);
  }

  /** The "guest" dials the host (CID 2) on `port`. */
  guestDials(port: number): Promise<net.Socket> {
    const socket = this.track(net.connect(`${this.udsPath}_${port}`));
    return new Promise((resolve, reject) => socket.once('connect', () => resolve(socket)).once('error', reject));
  }

  stop(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private track(socket: net.Socket): net.Socket {
    this.open.add(socket);
    return socket.once('close', () => this.open.delete(socket));
  }

  private onHost(socket: net.Socket): void {
    this.track(socket).on('error', () => undefined);
    let request = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      request = Buffer.concat([request, chunk]);
      const end = request.indexOf('\n');
      // The protocol's request line is short; anything longer is not a CONNECT.
      if (end < 0 && request.length < 32) return;
      socket.off('data', onData).pause();
      const port = end < 0 ? undefined : /^CONNECT (\d+)$/i.exec(request.subarray(0, end).toString('latin1'))?.[1];
      const handler = port === undefined ? undefined : this.guestPorts.get(Number(port));
      if (handler === undefined) return void socket.destroy();
      socket.write(`OK ${this.hostPort++}\n`);
      if (end + 1 < request.length) socket.unshift(request.subarray(end + 1));
      handler(socket);
      socket.resume();
    };
    socket.on('data', onData);
  }
}

/**
 * The host side: both directions over the VMM's Unix socket (`uds_path`).
 * - guest -> host: listen on `hybrid-vsock:UDS:HOST_PORT` (really the Unix socket `UDS_HOST_PORT`);
 * - host -> guest: connect to `hybrid-vsock:UDS:GUEST_PORT` (`CONNECT 52` / `OK ...` handshake).
 */
import { connect, createServer, type VmServer, type VmSocket } from '@vmrpc/native';
import { GUEST_PORT, HOST_PORT, receiveLine, sendLine, type GuestReport } from './messages';

/** Where the VMM's vsock device is, and the ports on it. */
export interface HostOptions {
  readonly uds: string;
  readonly guestPort?: number;
  readonly hostPort?: number;
  readonly print: (line: string) => void;
}

/** Accepts guests that dial CID 2: prints each announcement and acknowledges it. */
export async function listenForGuests(options: HostOptions, onAnnouncement: (report: GuestReport) => void = () => undefined): Promise<VmServer> {
  const server = createServer((socket: VmSocket) => {
    socket.on('error', (error) => options.print(`host: guest connection failed: ${error.message}`));
    receiveLine<GuestReport & { event: string }>(socket, 5000).then(
      (message) => {
        // Every connection on UDS_PORT comes from the VMM: its socket names the guest.
        options.print(`host: guest ${message.hostname} says ${message.event} (via ${socket.remoteAddress ?? 'the VMM'})`);
        sendLine(socket, { ack: `welcome, ${message.hostname}` });
        socket.end();
        onAnnouncement(message);
      },
      (error: Error) => {
        options.print(`host: no announcement from a guest connection: ${error.message}`);
        socket.destroy();
      },
    );
  });
  const target = `hybrid-vsock:${options.uds}:${options.hostPort ?? HOST_PORT}`;
  // A <uds>_<port> file left by a host process killed earlier is removed; a live one never is.
  await server.listen(target, { removeStaleSocket: true });
  options.print(`host: listening for guests on ${target} (the Unix socket ${options.uds}_${options.hostPort ?? HOST_PORT})`);
  return server;
}

/**
 * Dials the guest's service and returns its report. ECONNREFUSED means no guest process listens
 * yet (the VMM closes without a word): retried, a bounded number of times.
 */
export async function askGuest(options: HostOptions, attempts = 10): Promise<GuestReport> {
  const target = `hybrid-vsock:${options.uds}:${options.guestPort ?? GUEST_PORT}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const socket = await connect(target, { connectTimeout: 5000 });
      options.print(`host: connected to ${target}; the VMM gave this connection host port ${socket.localPort ?? '?'}`);
      const report = await receiveLine<GuestReport>(socket, 5000);
      socket.destroy();
      return report;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ECONNREFUSED' || attempt >= attempts) throw error;
      options.print(`host: ${target} refused (no guest listener yet); retrying (${attempt}/${attempts})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

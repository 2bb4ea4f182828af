/** The enclave's one question to its parent and the answer, each one JSON line. */
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import type { VmSocket } from '@vmrpc/native';

/** The port the parent listens on. */
export const PARENT_PORT = 5005;
/** Nitro gives the parent instance CID 3 as seen from its enclaves. */
export const NITRO_PARENT_CID = 3;

/** What the enclave asks for. */
export interface ConfigRequest {
  readonly want: 'config';
  /** The enclave's own name for itself (informational; the parent trusts the kernel's CID). */
  readonly enclave: string;
}

/** What the parent answers. */
export interface ConfigReply {
  readonly config?: Readonly<Record<string, string>>;
  readonly error?: string;
  /** The enclave as the parent's kernel reported it, e.g. `vsock:16:1023`. */
  readonly seenAs: string;
}

/** Writes one JSON line. */
export function writeJson(socket: Duplex, message: ConfigRequest | ConfigReply): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

/** The next JSON line; the socket is destroyed if none arrives within `ms`. */
export async function readJson<T>(socket: VmSocket, ms: number): Promise<T> {
  socket.setTimeout(ms, () => socket.destroy());
  for await (const line of createInterface({ input: socket, crlfDelay: Infinity })) {
    socket.setTimeout(0);
    return JSON.parse(line) as T;
  }
  throw new Error(`the connection ended (or stayed silent for ${ms} ms) before a whole line`);
}

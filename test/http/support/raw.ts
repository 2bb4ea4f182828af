/** A raw VM socket client for bad-input tests: writes bytes, collects everything until the server closes. */
import { connect } from '@vmrpc/native';
import { within } from '../../support/checks.js';

export interface RawResult {
  received: string;
  /** Milliseconds from connect to the server closing the connection. */
  closedAfterMs: number;
}

/** Sends `pieces` (each after `gapMs`, when given) and waits for the server to close (bounded by `ms`). */
export async function rawExchange(target: string, pieces: Buffer[], ms: number, gapMs = 0): Promise<RawResult> {
  const socket = await connect(target);
  const started = Date.now();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  // Stops sending once the server answers: writing on after its close would make the kernel
  // reset the connection and drop the answer before it is read.
  const send = (index: number): void => {
    if (index >= pieces.length || socket.destroyed || chunks.length > 0) return;
    socket.write(pieces[index]);
    timer = setTimeout(() => send(index + 1), gapMs);
  };
  send(0);
  try {
    await within(ms, 'the server closing the connection', new Promise((resolve) => socket.once('close', resolve)));
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  return { received: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - started };
}

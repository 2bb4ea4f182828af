/** `vmrpc nc`: netcat over any target, connecting or (-l) listening, with half-close both ways. */
import { connect, createServer, formatTarget, type VmSocket } from '@vmrpc/native';
import { defineCommand, type CommandIo } from '../command';
import { parseDuration } from '../durations';
import { EXIT_OK, UsageError } from '../errors';
import { reportProgress } from '../stream/progress';
import { relay, type ByteCounts } from '../stream/relay';
import { atMost, targetArgument } from '../targets';

const HELP = `usage: vmrpc nc [OPTIONS] TARGET
       vmrpc nc -l [-k] [OPTIONS] TARGET

Connects to TARGET (with -l: waits for a connection on it), copies stdin to the socket and the
socket to stdout. When stdin ends, the socket is half-closed (the peer reads EOF) and what the
peer still sends is read until it ends too. Exits once both directions have ended.

  vmrpc nc vsock:3:5000 < request.bin > reply.bin
  vmrpc nc -l vsock:any:5000 > received.bin

  -l, --listen                 listen on TARGET and serve one connection
  -k, --keep-open              with -l: after a connection ends, serve the next (stdin goes
                               to the first one only); stop with Ctrl-C
  -w, --connect-timeout DUR    give up connecting after DUR (500ms, 3s, 1m; default 10s)
  -v, --verbose                say on stderr where it listens and who connected
      --progress               bytes and rates on stderr every second, totals at the end
`;

const FOOTER = 'exit codes: 0 both directions ended, 1 connection or I/O error, 2 usage error';

const options = {
  listen: { type: 'boolean', short: 'l' },
  'keep-open': { type: 'boolean', short: 'k' },
  'connect-timeout': { type: 'string', short: 'w' },
  verbose: { type: 'boolean', short: 'v' },
  progress: { type: 'boolean' },
} as const;

interface Session {
  readonly io: CommandIo;
  readonly counts: ByteCounts;
  readonly verbose: boolean;
}

async function serveConnection(socket: VmSocket, session: Session, input: CommandIo['stdin'] | undefined, what: string): Promise<void> {
  if (session.verbose) session.io.stderr.write(`vmrpc nc: ${what}\n`);
  socket.resume();
  const closedOutput = session.io.signal;
  if (closedOutput === undefined) return relay(socket, input, session.io.stdout, session.counts);
  // stdout's reader gone (`vmrpc nc ... | head -c 5`): nowhere to put what arrives, so close.
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    if (closedOutput.aborted) resolve();
    else closedOutput.addEventListener('abort', (onClosed = () => resolve()), { once: true });
  });
  const relayed = relay(socket, input, session.io.stdout, session.counts);
  try {
    await Promise.race([relayed, closed]);
  } finally {
    closedOutput.removeEventListener('abort', onClosed);
    if (closedOutput.aborted) socket.destroy();
  }
}

async function listenMode(target: string, keepOpen: boolean, session: Session): Promise<number> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const waiting: VmSocket[] = [];
  let wake: (() => void) | undefined;
  server.on('connection', (socket: VmSocket) => {
    waiting.push(socket);
    wake?.();
  });
  await server.listen(target);
  // Ctrl-C or SIGTERM, while waiting for a connection or serving one, ends the connection and
  // closes the server (removing a unix: socket file). Our handlers replace Node's default, so
  // every wait below races against them.
  let stop: () => void = () => undefined;
  const stopped = new Promise<true>((resolve) => (stop = () => resolve(true)));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const address = server.address();
  if (session.verbose) session.io.stderr.write(`vmrpc nc: listening on ${address === null ? target : formatTarget(address)}\n`);
  let input: CommandIo['stdin'] | undefined = session.io.stdin;
  try {
    for (;;) {
      if (waiting.length === 0) {
        const arrived = new Promise<false>((resolve) => (wake = () => resolve(false)));
        if (await Promise.race([arrived, stopped])) return 130;
      }
      const socket = waiting.shift()!;
      // Without -k, one connection: stop accepting (later peers are refused).
      if (!keepOpen) server.close();
      const served = serveConnection(socket, session, input, `connection from ${socket.remoteAddress ?? 'an unnamed peer'}`);
      if (await Promise.race([served.then(() => false as const), stopped])) {
        // Destroyed without an error: the relay settles no more and reports nothing.
        served.catch(() => undefined);
        socket.destroy();
        return 130;
      }
      input = undefined;
      if (!keepOpen || session.io.signal?.aborted === true) return EXIT_OK;
    }
  } finally {
    process.removeListener('SIGINT', stop).removeListener('SIGTERM', stop);
    for (const socket of waiting) socket.destroy();
    if (server.address() !== null) server.close();
    // Unread stdin must not keep the process alive.
    session.io.stdin.destroy();
  }
}

export const command = defineCommand({
  name: 'nc',
  summary: 'netcat: stdin to a VM socket, the socket to stdout (connect or -l listen)',
  help: HELP,
  footer: FOOTER,
  options,
  async run(values, positionals, io) {
    const { target } = targetArgument(positionals);
    atMost(positionals, 1);
    if (values['keep-open'] === true && values.listen !== true) throw new UsageError('-k needs -l');
    const connectTimeout = values['connect-timeout'] === undefined ? undefined : parseDuration(values['connect-timeout'], '--connect-timeout');
    const session: Session = { io, counts: { sent: 0, received: 0 }, verbose: values.verbose === true };
    const stopProgress = values.progress === true ? reportProgress(session.counts, io.stderr) : undefined;
    try {
      if (values.listen === true) return await listenMode(target, values['keep-open'] === true, session);
      const socket = await connect(target, { allowHalfOpen: true, ...(connectTimeout === undefined ? {} : { connectTimeout }) });
      try {
        await serveConnection(socket, session, io.stdin, `connected to ${target}`);
      } finally {
        io.stdin.destroy();
      }
      return EXIT_OK;
    } finally {
      stopProgress?.();
    }
  },
});

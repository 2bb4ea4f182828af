/**
 * `vmrpc ping`: round trips to a gRPC server, like ping(8). One connection, opened as the
 * transport's channel opens its connections (Http2Connection); each probe is an HTTP/2 PING
 * frame, which every gRPC server answers at once without running any handler, so the time is
 * the transport's round trip (socket, kernel, HTTP/2), not a service's.
 */
import type { Duplex } from 'node:stream';
import type * as http2 from 'node:http2';
import { connect } from '@vmrpc/native';
import { Http2Connection } from '@vmrpc/transport';
import { defineCommand } from '../command';
import { parseCount, parseDuration } from '../durations';
import { CliError, EXIT_FAILURE, EXIT_OK } from '../errors';
import { atMost, targetArgument } from '../targets';

const HELP = `usage: vmrpc ping [OPTIONS] TARGET

Opens one connection to the gRPC server at TARGET, sends HTTP/2 PING frames over it and prints
each round-trip time, then min/avg/max. Every gRPC server answers PING frames, with no handler
involved. Stops after --count pings, or on Ctrl-C.

  vmrpc ping -c 5 vsock:3:5000

  -c, --count N               stop after N pings (default: until Ctrl-C)
  -i, --interval DUR          wait DUR between pings (default 1s)
      --timeout DUR           a ping not answered within DUR is lost (default 5s)
  -w, --connect-timeout DUR   give up connecting after DUR (default 10s)
  -q, --quiet                 only the summary
`;

const FOOTER = 'exit codes: 0 every ping answered; 1 a ping lost, or no connection (the error says why); 2 usage error';

interface Stats {
  sent: number;
  received: number;
  times: number[];
}

/** HTTP/2 over the socket, as the transport's channel opens it: resolves once the server's SETTINGS arrived. */
async function openConnection(socket: Duplex, target: string, timeoutMs: number): Promise<Http2Connection> {
  try {
    return await Http2Connection.open(socket, {
      authority: 'localhost',
      // Only ping's own PINGs on this connection: no keepalive of the channel's.
      keepaliveTimeMs: 0,
      keepaliveTimeoutMs: timeoutMs,
      keepalivePermitWithoutCalls: false,
      handshakeTimeoutMs: timeoutMs,
      settings: { enablePush: false },
      connectionWindowBytes: 65_535,
      maxSessionMemory: 10,
    });
  } catch (error) {
    socket.destroy();
    throw new CliError(`${target} does not speak HTTP/2: is it a gRPC server? (${(error as Error).message})`);
  }
}

/** The round trip in ms; undefined when not answered within `timeoutMs`; null once `stop` aborts first. */
function ping(session: http2.ClientHttp2Session, timeoutMs: number, stop: AbortSignal): Promise<number | undefined | null> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    };
    const onStop = (): void => {
      done();
      resolve(null);
    };
    const timer = setTimeout(() => {
      done();
      resolve(undefined);
    }, timeoutMs);
    stop.addEventListener('abort', onStop, { once: true });
    const started = process.hrtime.bigint();
    const sent = session.ping((error) => {
      // Stopped already: the session's end fails the ping, which is no news.
      if (stop.aborted) return;
      done();
      // The callback's own duration has millisecond granularity; measure in nanoseconds instead.
      if (error === null) resolve(Number(process.hrtime.bigint() - started) / 1e6);
      else reject(error);
    });
    if (!sent) {
      done();
      reject(new CliError('too many unanswered pings'));
    }
  });
}

function summary(target: string, stats: Stats, elapsedMs: number): string {
  const loss = stats.sent === 0 ? 0 : Math.round((100 * (stats.sent - stats.received)) / stats.sent);
  let text = `--- ${target} ping statistics ---\n${stats.sent} sent, ${stats.received} received, ${loss}% loss, time ${Math.round(elapsedMs)} ms\n`;
  if (stats.times.length > 0) {
    const min = Math.min(...stats.times);
    const max = Math.max(...stats.times);
    const avg = stats.times.reduce((sum, time) => sum + time, 0) / stats.times.length;
    text += `rtt min/avg/max = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)} ms\n`;
  }
  return text;
}

export const command = defineCommand({
  name: 'ping',
  summary: 'round-trip times to a gRPC server (HTTP/2 PING frames)',
  help: HELP,
  footer: FOOTER,
  options: {
    count: { type: 'string', short: 'c' },
    interval: { type: 'string', short: 'i' },
    timeout: { type: 'string' },
    'connect-timeout': { type: 'string', short: 'w' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run(values, positionals, io) {
    const { target } = targetArgument(positionals);
    atMost(positionals, 1);
    const count = values.count === undefined ? Infinity : parseCount(values.count, '--count');
    const intervalMs = values.interval === undefined ? 1000 : parseDuration(values.interval, '--interval', { zero: true });
    const timeoutMs = values.timeout === undefined ? 5000 : parseDuration(values.timeout, '--timeout');
    const connectTimeout = values['connect-timeout'] === undefined ? 10_000 : parseDuration(values['connect-timeout'], '--connect-timeout');
    const socket = await connect(target, { connectTimeout });
    const connection = await openConnection(socket, target, connectTimeout);
    const session = connection.session;
    const stats: Stats = { sent: 0, received: 0, times: [] };
    const started = Date.now();
    // Ctrl-C (or the connection's end) stops at once, even while a ping is outstanding.
    const stopping = new AbortController();
    const stop = (): void => stopping.abort();
    process.once('SIGINT', stop);
    // A closed stdout stops too (and nothing more is printed).
    io.signal?.addEventListener('abort', stop, { once: true });
    let lost: Error | undefined;
    connection.once('close', () => {
      lost = new CliError(`${target} closed the connection`);
      stop();
    });
    const interrupted = new Promise<true>((resolve) => stopping.signal.addEventListener('abort', () => resolve(true), { once: true }));
    try {
      if (values.quiet !== true) io.stdout.write(`PING ${target} (HTTP/2 PING frames)\n`);
      for (let sequence = 1; sequence <= count && !stopping.signal.aborted; sequence++) {
        stats.sent++;
        // As ping(8): a ping outstanding when stopped counts as sent and not answered.
        const time = await ping(session, timeoutMs, stopping.signal);
        if (time === null) break;
        if (time === undefined) {
          if (values.quiet !== true) io.stdout.write(`no reply from ${target}: seq=${sequence} (timeout ${timeoutMs} ms)\n`);
        } else {
          stats.received++;
          stats.times.push(time);
          if (values.quiet !== true) io.stdout.write(`reply from ${target}: seq=${sequence} time=${time.toFixed(3)} ms\n`);
        }
        if (sequence >= count) break;
        let timer: NodeJS.Timeout | undefined;
        const pause = new Promise<false>((resolve) => (timer = setTimeout(resolve, intervalMs, false)));
        const stopped = await Promise.race([pause, interrupted]);
        clearTimeout(timer);
        if (stopped) break;
      }
    } finally {
      process.removeListener('SIGINT', stop);
      io.signal?.removeEventListener('abort', stop);
      connection.removeAllListeners('close');
      connection.destroy();
    }
    if (io.signal?.aborted === true) return EXIT_FAILURE;
    io.stdout.write(summary(target, stats, Date.now() - started));
    if (lost !== undefined) throw lost;
    return stats.received === stats.sent ? EXIT_OK : EXIT_FAILURE;
  },
});

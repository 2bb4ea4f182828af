/**
 * The outer half of `pnpm test:vm:nested`, run in a harness guest that has
 * vhost_vsock loaded (so /dev/vhost-vsock exists and this guest is CID 2 to
 * its own guests). It boots the inner guest with CID 3 running inner.js and:
 *
 * 1. listens on vsock:any:5201 and echoes; the connection must come from CID 3
 * 1b. while the inner kernel boots, a connect with a 2 s connectTimeout must fail with ETIMEDOUT
 * 2. once inner.js listens on 5202, connects to vsock:3:5202, echoes 1 MiB, checks sha256
 * 2b. accepts the inner guest's second connection, made with VMADDR_FLAG_TO_HOST
 * 3. requires inner.js to exit 0 (it checked its own echo and peer CID)
 * 4. runs an AgentHost on vsock:any:5203: the inner guest's agent must register as peer
 *    vsock:3, answer a call, and drain (offline reason `shutdown`)
 */
import { formatMs } from '../harness/progress.js';
import { runInGuest, type GuestRunResult } from '../harness/run-in-guest.js';
import {
  echo,
  INNER_CID,
  INNER_PORT,
  INNER_READY_LINE,
  OUTER_PORT,
  PAYLOAD_BYTES,
  TO_HOST_PAYLOAD_BYTES,
  peerCid,
  say,
  sendAndVerifyEcho,
  withTimeout,
} from './exchange.js';
import { assertInsideHarnessGuest, loadNative, type VmSocket } from './native.js';
import { AGENT_ID, AGENT_PORT, loadEchoService, loadRpc, type EchoClient } from './agent.js';

assertInsideHarnessGuest('nested/outer.js');

/** The inner guest needs ~90 s to reach /init and ~20 s per process start; this bounds the whole inner run. */
const INNER_TIMEOUT_MS = 10 * 60_000;
const CONNECT_ATTEMPTS = 10;
/** The inner kernel needs 50 s or more to bring up its vsock driver; probe well before that. */
const PROBE_DELAY_MS = 8_000;
const PROBE_TIMEOUT_MS = 2_000;

/** Connects to the booting inner guest with a short connectTimeout and checks the outcome. */
async function probeConnectTimeout(native: ReturnType<typeof loadNative>): Promise<string[]> {
  const started = Date.now();
  try {
    const socket = await native.connect(`vsock:${INNER_CID}:${INNER_PORT}`, { connectTimeout: PROBE_TIMEOUT_MS });
    socket.destroy();
    return [`a connect to the booting inner guest succeeded; expected ETIMEDOUT`];
  } catch (error) {
    const elapsed = Date.now() - started;
    const code = (error as { code?: string }).code;
    say('outer', `connect to the booting inner guest: ${code} after ${elapsed} ms (connectTimeout ${PROBE_TIMEOUT_MS} ms)`);
    if (code !== 'ETIMEDOUT') return [`connect to the booting inner guest failed with ${code}, expected ETIMEDOUT`];
    if (elapsed < PROBE_TIMEOUT_MS - 50 || elapsed > PROBE_TIMEOUT_MS + 5_000) return [`connectTimeout of ${PROBE_TIMEOUT_MS} ms ended after ${elapsed} ms`];
    return [];
  }
}
const CONNECT_RETRY_MS = 3_000;

function localCidText(native: ReturnType<typeof loadNative>): string {
  try {
    return String(native.localCid());
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

async function main(): Promise<void> {
  const native = loadNative();
  say('outer', `@vmrpc/native loaded; local CID ${localCidText(native)}`);

  // 1. Echo server for the inner guest, up before the inner guest boots.
  const checks: string[] = [];
  const innerEchoes: Promise<number>[] = [];
  const server = native.createServer((socket: VmSocket) => {
    const from = peerCid(socket);
    say('outer', `accepted a connection from CID ${from}`);
    if (from !== INNER_CID) {
      checks.push(`accepted a connection from CID ${from}, expected ${INNER_CID}`);
      socket.destroy();
      return;
    }
    innerEchoes.push(echo(socket));
  });
  server.on('error', (error) => checks.push(`server error: ${error.message}`));
  await server.listen(`vsock:any:${OUTER_PORT}`);
  say('outer', `listening on vsock:any:${OUTER_PORT}`);

  // 1c. The agent host, up before the inner guest boots too.
  const { AgentHost } = loadRpc();
  // Two levels of TCG make the inner guest very slow: generous heartbeats, or it looks frozen.
  const host = new AgentHost({ heartbeatIntervalMs: 15_000, heartbeatTimeoutMs: 180_000, registrationTimeoutMs: 120_000, callLinkTimeoutMs: 120_000 });
  await host.listen(`vsock:any:${AGENT_PORT}`);
  const agentDrained = new Promise<string>((resolvePromise) => host.on('offline', (agent, reason) => agent.id === AGENT_ID && resolvePromise(reason)));
  say('outer', `agent host listening on vsock:any:${AGENT_PORT}`);

  // 2. Boot the inner guest; watch its output for the line saying its listener is up.
  let markReady: () => void = () => undefined;
  const innerReady = new Promise<void>((resolvePromise) => {
    markReady = resolvePromise;
  });
  const inner: Promise<GuestRunResult> = runInGuest({
    command: ['node', 'test/.build/vm/nested/inner.js'],
    vsockGuestCid: INNER_CID,
    memoryMiB: 1024,
    timeoutMs: INNER_TIMEOUT_MS,
    label: 'inner guest',
    onOutput: (chunk) => {
      process.stdout.write(`[inner] ${chunk}`);
      if (chunk.includes(INNER_READY_LINE)) markReady();
    },
  });
  const innerEndedEarly = inner.then(
    (result) => {
      throw new Error(`the inner guest finished (exit code ${result.exitCode}) before listening on ${INNER_PORT}`);
    },
    (error: unknown) => {
      throw error;
    },
  );
  // 2b. While the inner guest's kernel boots, its vhost device exists but nobody answers: the
  // one place a vsock connect really hangs. connectTimeout must end it with ETIMEDOUT, on time.
  await new Promise((r) => setTimeout(r, PROBE_DELAY_MS));
  checks.push(...(await probeConnectTimeout(native)));
  await Promise.race([innerReady, innerEndedEarly]);
  // Nothing else awaits it past this point; its failure is seen through `inner` below.
  innerEndedEarly.catch(() => undefined);

  // 3. The listener was up when the line was printed; retries only absorb the console delay and slow vCPUs.
  let socket: VmSocket | undefined;
  for (let attempt = 1; socket === undefined; attempt++) {
    try {
      socket = await native.connect(`vsock:${INNER_CID}:${INNER_PORT}`, { connectTimeout: 30_000 });
    } catch (error) {
      if (attempt >= CONNECT_ATTEMPTS) throw new Error(`connect to vsock:${INNER_CID}:${INNER_PORT} failed ${attempt} times: ${(error as Error).message}`);
      say('outer', `connect attempt ${attempt} failed (${(error as Error).message}); retrying in ${CONNECT_RETRY_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, CONNECT_RETRY_MS));
    }
  }
  const to = peerCid(socket);
  if (to !== INNER_CID) checks.push(`connected socket reports peer CID ${to}, expected ${INNER_CID}`);
  const sent = await sendAndVerifyEcho(socket, PAYLOAD_BYTES, 180_000);
  say('outer', `echo of ${PAYLOAD_BYTES} bytes via CID ${INNER_CID}:${INNER_PORT} verified in ${sent.ms} ms (sha256 ${sent.digest.slice(0, 16)}...)`);

  // 3b. The inner guest's agent registers; the host calls it over a call link the agent dialed.
  const agent = await host.waitFor(AGENT_ID, { timeoutMs: 300_000 });
  say('outer', `agent ${agent.id} online from ${agent.peer} (it reports CID ${agent.localCid ?? 'unknown'})`);
  if (agent.peer !== `vsock:${INNER_CID}`) checks.push(`agent registered from ${agent.peer}, expected vsock:${INNER_CID}`);
  const echoClient = host.agent(AGENT_ID).client(await loadEchoService()) as unknown as EchoClient;
  const answer = await echoClient.say({ message: 'hello from the outer guest' });
  say('outer', `agent answered ${JSON.stringify(answer.message)} (it saw the host as ${answer.peer})`);
  if (answer.message !== 'inner: hello from the outer guest') checks.push(`the agent answered ${JSON.stringify(answer.message)}`);
  const reason = await withTimeout(agentDrained, 300_000, 'the agent going offline');
  if (reason !== 'shutdown') checks.push(`the agent went offline with reason ${reason}, expected shutdown`);
  await host.close(1_000);

  // 4. The inner guest's verdict, and what our server saw of it.
  const result = await inner;
  say(
    'outer',
    `inner guest exited with code ${result.exitCode} (/init ${formatMs(result.initMs)}, node started ${formatMs(result.bootMs)}, total ${formatMs(result.totalMs)})`,
  );
  if (result.exitCode !== 0) checks.push(`inner.js exited with code ${result.exitCode}`);
  // Two connections from the inner guest: the plain one and the VMADDR_FLAG_TO_HOST one.
  if (innerEchoes.length !== 2) checks.push(`expected two connections from the inner guest, saw ${innerEchoes.length}`);
  const echoedBytes = await Promise.all(innerEchoes);
  if (echoedBytes.length === 2 && (echoedBytes[0] !== PAYLOAD_BYTES || echoedBytes[1] !== TO_HOST_PAYLOAD_BYTES)) {
    checks.push(`echoed ${echoedBytes.join(' and ')} bytes to the inner guest, expected ${PAYLOAD_BYTES} and ${TO_HOST_PAYLOAD_BYTES}`);
  }
  server.close();
  if (checks.length > 0) throw new Error(checks.join('; '));
}

// A pass ends the process once what main() opened is closed, not with process.exit(), which can
// hang after busy JavaScript (docs/troubleshooting.md, "A Node process that does not exit"); a
// failure may leave things open, so it exits at once (the harness bounds the guest's run anyway).
main().then(
  () => {
    say('outer', 'nested vsock exchange passed');
    process.exitCode = 0;
  },
  (error: unknown) => {
    say('outer', `FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);

/**
 * The inner half of `pnpm test:vm:nested`, run by outer.js in a guest whose
 * virtio-vsock device (CID 3) is backed by the outer guest's vhost-vsock.
 * Process starts cost ~20 s at this depth, so this is the only process here.
 *
 * 1. connect to the outer guest (CID 2) port 5201, echo 1 MiB, check sha256
 * 1b. connect again with VMADDR_FLAG_TO_HOST (the `toHost` option), echo 64 KiB
 * 2. listen on port 5202, echo one connection, which must come from CID 2
 * 3. run a GuestAgent that registers with the outer guest's AgentHost (vsock:2:5203), serve the
 *    host's one call, then drain
 */
import {
  echo,
  INNER_PORT,
  INNER_READY_LINE,
  OUTER_CID,
  OUTER_PORT,
  PAYLOAD_BYTES,
  TO_HOST_PAYLOAD_BYTES,
  peerCid,
  say,
  sendAndVerifyEcho,
  withTimeout,
} from './exchange.js';
import { assertInsideHarnessGuest, loadNative } from './native.js';
import { AGENT_ID, AGENT_PORT, loadEchoService, loadRpc } from './agent.js';

assertInsideHarnessGuest('nested/inner.js');

const CONNECT_ATTEMPTS = 5;
/** outer.js connects as soon as it sees INNER_READY_LINE, but that line crosses two consoles first. */
const WAIT_FOR_OUTER_MS = 180_000;

async function main(): Promise<void> {
  const native = loadNative();
  say('inner', `@vmrpc/native loaded; local CID ${native.localCid()}`);

  // 1. The outer listener has been up since before this guest booted; retries only cover a slow start.
  let socket: Awaited<ReturnType<typeof native.connect>> | undefined;
  for (let attempt = 1; socket === undefined; attempt++) {
    try {
      socket = await native.connect(`vsock:${OUTER_CID}:${OUTER_PORT}`, { connectTimeout: 30_000 });
    } catch (error) {
      if (attempt >= CONNECT_ATTEMPTS) throw error;
      say('inner', `connect attempt ${attempt} failed (${(error as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  const cid = peerCid(socket);
  if (cid !== OUTER_CID) throw new Error(`connected socket reports peer CID ${cid}, expected ${OUTER_CID}`);
  const sent = await sendAndVerifyEcho(socket, PAYLOAD_BYTES, 120_000);
  say('inner', `echo of ${PAYLOAD_BYTES} bytes via CID ${OUTER_CID}:${OUTER_PORT} verified in ${sent.ms} ms (sha256 ${sent.digest.slice(0, 16)}...)`);

  // 1b. The same host reached with VMADDR_FLAG_TO_HOST set, as enclave-style guests do.
  const toHost = await native.connect(`vsock:${OUTER_CID}:${OUTER_PORT}`, { connectTimeout: 30_000, toHost: true });
  const viaFlag = await sendAndVerifyEcho(toHost, TO_HOST_PAYLOAD_BYTES, 120_000);
  say('inner', `echo of ${TO_HOST_PAYLOAD_BYTES} bytes with VMADDR_FLAG_TO_HOST verified in ${viaFlag.ms} ms`);

  // 2. Serve exactly one echo connection; it must come from our host.
  const server = native.createServer();
  const served = new Promise<number>((resolvePromise, reject) => {
    server.once('connection', (peer) => {
      const from = peerCid(peer);
      if (from !== OUTER_CID) {
        peer.destroy();
        reject(new Error(`accepted a connection from CID ${from}, expected ${OUTER_CID}`));
        return;
      }
      say('inner', `accepted a connection from CID ${from}`);
      echo(peer).then(resolvePromise, reject);
    });
    server.once('error', reject);
  });
  await server.listen(`vsock:any:${INNER_PORT}`);
  say('inner', INNER_READY_LINE);
  const echoed = await withTimeout(served, WAIT_FOR_OUTER_MS, 'waiting for the outer guest to connect');
  server.close();
  say('inner', `echoed ${echoed} bytes back to CID ${OUTER_CID}`);

  // 3. The agent: the outer guest's host calls Echo.say once; then the agent drains.
  const { GuestAgent } = loadRpc();
  let called!: () => void;
  const hostCalled = new Promise<void>((resolvePromise) => (called = resolvePromise));
  const agent = new GuestAgent({ id: AGENT_ID, version: 'nested', registrationTimeoutMs: 120_000, reconnect: { initialMs: 500, maxMs: 3000 } }).add(await loadEchoService(), {
    async say(request: { message: string }, context: { peer: string }) {
      called();
      return { message: `inner: ${request.message}`, peer: context.peer };
    },
    async *repeat() {},
  } as never);
  const registration = await withTimeout(agent.connect(`vsock:${OUTER_CID}:${AGENT_PORT}`), WAIT_FOR_OUTER_MS, 'agent registration');
  say('inner', `agent registered; the host sees it as ${registration.peer}`);
  await withTimeout(hostCalled, WAIT_FOR_OUTER_MS, 'waiting for the host to call the agent');
  await agent.close(5_000);
  say('inner', 'agent served the host and drained; done');
}

// A pass ends on its own once the agent closed (not process.exit(): docs/troubleshooting.md, "A
// Node process that does not exit"); a failure may leave things open, so it exits at once.
main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    say('inner', `FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);

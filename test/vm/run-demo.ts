/**
 * `pnpm demo --vm` (examples/host-guest-agent/dist/demo.js --vm runs this): the demo with the
 * project's microVM. Real host<->guest vsock when this machine can have guests of its own on
 * vsock (working KVM, /dev/vhost-vsock, and no hypervisor above it on vsock): the host on this
 * machine, the agent in a guest. Otherwise (this machine kind: no usable KVM, no vhost-vsock)
 * both in one guest, over its vsock loopback. Either way it says which and why.
 */
import { spawn } from 'node:child_process';
import type { AccelChoice } from './harness/accel.js';
import { runHarnessEntry } from './harness/entry.js';
import { HarnessUnavailableError } from './harness/errors.js';
import { findOnPath } from './harness/exec.js';
import { vhostVsockVeto } from './harness/guest-env.js';
import { repoRoot } from './harness/paths.js';
import { formatMs } from './harness/progress.js';
import { QEMU_BINARY } from './harness/qemu.js';
import { prepareGuest, runInGuest, type GuestRunResult } from './harness/run-in-guest.js';

const DEMO = 'examples/host-guest-agent/dist/demo.js';
const PORT = 22093;
/** The guest's CID for real host<->guest vsock: unlikely to clash with a developer's own VMs (3, 4, ...). */
const GUEST_CID = 22093;
/** The demo in the guest: node starts, two more node processes, a few calls (measured ~10 s under TCG). */
const GUEST_COMMAND_MS = 50_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Why the host and agent cannot be on either side of real vsock here, or undefined when they can. */
function realVsockVeto(accel: AccelChoice): string | undefined {
  if (accel.accel !== 'kvm') return `no usable KVM (${accel.reason})`;
  return vhostVsockVeto(true);
}

function report(result: GuestRunResult): number {
  say(`demo --vm: guest exited with code ${result.exitCode} (${result.accel.accel}: boot ${formatMs(result.bootMs)}, total ${formatMs(result.totalMs)})`);
  return result.exitCode;
}

/** Host and agent in one guest, over the guest's vsock loopback. */
async function loopbackInGuest(why: string): Promise<number> {
  say('transport: vsock loopback inside the guest (host and agent both in the microVM)');
  say(`  why: ${why}`);
  const result = await runInGuest({
    command: ['node', DEMO, '--transport', 'vsock-loopback', '--port', String(PORT)],
    timeoutMs: GUEST_COMMAND_MS,
    label: 'demo guest',
    onOutput: (chunk) => process.stdout.write(`guest | ${chunk}`),
  });
  return report(result);
}

/** The host on this machine (CID 2 to its guests), the agent in a guest with CID GUEST_CID. */
async function hostAndGuest(): Promise<number> {
  say(`transport: real host<->guest vsock: the host on this machine (vsock:2:${PORT}), the agent in a guest with CID ${GUEST_CID}`);
  say('  why: KVM works, /dev/vhost-vsock exists and no hypervisor is above this machine on vsock');
  const host = spawn(process.execPath, [DEMO, '--role', 'host', '--target', `vsock:host:${PORT}`], { cwd: repoRoot(), stdio: 'inherit' });
  const hostExit = new Promise<number>((resolve) => {
    host.once('error', () => resolve(1));
    host.once('close', (code) => resolve(code ?? 1));
  });
  try {
    const guest = await runInGuest({
      command: ['node', DEMO, '--role', 'agent', '--target', `vsock:2:${PORT}`],
      vsockGuestCid: GUEST_CID,
      vsockFromThisMachine: true,
      timeoutMs: GUEST_COMMAND_MS,
      label: 'agent guest',
      onOutput: (chunk) => process.stdout.write(`guest | ${chunk}`),
    });
    const guestCode = report(guest);
    const hostCode = await hostExit;
    return guestCode === 0 && hostCode === 0 ? 0 : 1;
  } finally {
    if (host.exitCode === null) host.kill();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  say('vmrpc demo --vm: a guest agent and its host, with the project\'s microVM (the test/vm harness: QEMU, Debian\'s kernel, this machine\'s files shared read-only)');
  if (findOnPath(QEMU_BINARY) === undefined) say(`${QEMU_BINARY} is missing: the harness installs QEMU with apt-get now (as root; it says so if it cannot)`);
  let accel: AccelChoice;
  try {
    accel = (await prepareGuest()).accel;
  } catch (error) {
    // A skip suits test runs; a demo asked for with --vm fails, saying what is missing.
    if (error instanceof HarnessUnavailableError) throw new Error(`cannot boot the microVM: ${error.message}`);
    throw error;
  }
  const veto = realVsockVeto(accel);
  const code = veto === undefined ? await hostAndGuest() : await loopbackInGuest(`real host<->guest vsock is not available here: ${veto}`);
  say(`demo --vm: ${code === 0 ? 'done' : 'FAILED'} in ${formatMs(Date.now() - started)}`);
  return code;
}

await runHarnessEntry('demo --vm', main);

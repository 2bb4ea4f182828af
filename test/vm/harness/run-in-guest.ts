import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseAccel, type AccelChoice } from './accel.js';
import { HarnessError, HarnessUnavailableError } from './errors.js';
import { findOnPath } from './exec.js';
import { acquireMachineLock } from './machine-lock.js';
import { insideHarnessGuest, vhostVsockVeto } from './guest-env.js';
import { ensureInitramfs, type Initramfs } from './initramfs.js';
import { ensureKernel, type Kernel, type ModuleGroup } from './kernel.js';
import { ensureAptPackages, HOST_REQUIREMENTS } from './packages.js';
import { repoRoot } from './paths.js';
import { debugEnabled, formatMs, progress } from './progress.js';
import { QEMU_BINARY, qemuArgs } from './qemu.js';
import { startQemu } from './qemu-process.js';

export interface GuestRunOptions {
  /** argv of the command; looked up on the host's PATH inside the guest. */
  command: string[];
  /** Working directory inside the guest (default: the checkout root, mounted at its host path). */
  cwd?: string;
  env?: Record<string, string>;
  /** Limit for the command itself, counted from when it starts (boot stages have their own limits). */
  timeoutMs: number;
  /**
   * Gives the guest a virtio-vsock device with this CID, backed by this
   * machine's /dev/vhost-vsock. Only allowed inside a harness guest (or see vsockFromThisMachine).
   */
  vsockGuestCid?: number;
  /**
   * Also allows vsockGuestCid on this machine itself, outside a harness guest, when it is not
   * a vsock guest of another hypervisor (vhostVsockVeto): pnpm demo --vm on a KVM host.
   */
  vsockFromThisMachine?: boolean;
  /** Load vhost_vsock in the guest so it gets /dev/vhost-vsock and can host a nested guest. */
  vhostVsock?: boolean;
  memoryMiB?: number;
  cpus?: number;
  /** Receives the command's output, line by line (each chunk ends with \n). */
  onOutput?: (chunk: string) => void;
  /** Names the guest in progress lines, e.g. "inner guest". */
  label?: string;
}

export interface GuestRunResult {
  exitCode: number;
  /** The command's output (console lines between its start and its exit). */
  output: string;
  /** Everything the guest printed on its console, boot included. */
  console: string;
  /** QEMU start until the command started (kernel, /init, modules, mounts). */
  bootMs: number;
  /** QEMU start until /init ran. */
  initMs: number;
  /** QEMU start until QEMU exited. */
  totalMs: number;
  accel: AccelChoice;
}

interface Prepared {
  kernel: Kernel;
  initramfs: Initramfs;
  accel: AccelChoice;
}

/** How long to queue behind another process's guest (a nested run takes ~5 min, a suite run less). */
const LOCK_WAIT_MS = 30 * 60_000;

let prepared: Promise<Prepared> | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Everything a boot needs: QEMU and busybox installed, kernel and initramfs
 * cached, accelerator chosen. Done once per process; throws
 * HarnessUnavailableError when a prerequisite cannot be obtained.
 */
export function prepareGuest(): Promise<Prepared> {
  prepared ??= (async () => {
    if (insideHarnessGuest()) {
      // No network in a guest: everything must already be on the host root and in the cache.
      const missing = HOST_REQUIREMENTS.filter((req) => findOnPath(req.binary) === undefined);
      if (missing.length > 0) throw new HarnessUnavailableError(`inside a harness guest and ${missing.map((r) => r.binary).join(', ')} is missing`);
    } else {
      await ensureAptPackages(HOST_REQUIREMENTS);
    }
    const kernel = await ensureKernel();
    const initramfs = await ensureInitramfs(kernel);
    const accel = await chooseAccel(kernel, initramfs);
    progress(`accelerator: ${accel.accel} (${accel.reason})`);
    return { kernel, initramfs, accel };
  })();
  prepared.catch(() => {
    prepared = undefined;
  });
  return prepared;
}

/** Boots a throwaway guest, runs one command in it and powers it off. One guest at a time per process. */
export function runInGuest(options: GuestRunOptions): Promise<GuestRunResult> {
  const run = queue.then(() => runExclusive(options));
  queue = run.catch(() => undefined);
  return run;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Stage limits. A guest inside a guest runs everything roughly 15x slower. */
function stageLimits(accel: AccelChoice): { initMs: number; setupMs: number; shutdownMs: number } {
  if (insideHarnessGuest()) return { initMs: 240_000, setupMs: 240_000, shutdownMs: 120_000 };
  if (accel.accel === 'kvm') return { initMs: 30_000, setupMs: 30_000, shutdownMs: 15_000 };
  return { initMs: 60_000, setupMs: 60_000, shutdownMs: 30_000 };
}

function guestEnvironment(options: GuestRunOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: '/tmp',
    TMPDIR: '/tmp',
    VMRPC_HARNESS_GUEST: '1',
    VMRPC_TEST_VSOCK: '1',
  };
  for (const [key, value] of Object.entries(process.env)) {
    // CI changes how tests report; the harness knobs must reach a nested harness run.
    if (value !== undefined && (key === 'CI' || key.startsWith('VMRPC_VM_'))) env[key] = value;
  }
  return { ...env, ...options.env };
}

function jobScript(options: GuestRunOptions, cwd: string): string {
  const env = Object.entries(guestEnvironment(options)).map(([key, value]) => shellQuote(`${key}=${value}`));
  return [
    '# Written by test/vm/harness/run-in-guest.ts; run by the guest /init inside the host-root chroot.',
    `cd ${shellQuote(cwd)} || exit 125`,
    // env -i: nothing from the initramfs environment (TERM=linux, PATH=/bin) leaks into the command.
    `exec /usr/bin/env -i ${env.join(' ')} ${options.command.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

async function runExclusive(options: GuestRunOptions): Promise<GuestRunResult> {
  if (options.command.length === 0) throw new HarnessError('runInGuest: empty command');
  const label = options.label ?? 'guest';
  const groups: ModuleGroup[] = ['base'];
  if (options.vsockGuestCid !== undefined) {
    if (!Number.isInteger(options.vsockGuestCid) || options.vsockGuestCid < 3) {
      throw new HarnessError(`vsockGuestCid must be an integer >= 3, not ${options.vsockGuestCid}`);
    }
    const veto = vhostVsockVeto(options.vsockFromThisMachine === true);
    if (veto !== undefined) throw new HarnessError(veto);
    groups.push('g2h');
  }
  if (options.vhostVsock === true) groups.push('vhost');

  const { kernel, initramfs, accel } = await prepareGuest();
  const limits = stageLimits(accel);
  const checkout = repoRoot();
  const cwd = options.cwd ?? checkout;
  const debug = debugEnabled();

  const release = await acquireMachineLock(LOCK_WAIT_MS);
  let results: string | undefined;
  let removeOnExit: (() => void) | undefined;
  try {
    results = await mkdtemp(join(tmpdir(), 'vmrpc-guest-'));
    // A SIGINT exits through process.exit, which skips the finally below.
    const resultsDir = results;
    removeOnExit = () => rmSync(resultsDir, { recursive: true, force: true });
    process.once('exit', removeOnExit);
    await writeFile(join(results, 'config.sh'), `VMRPC_CHECKOUT=${shellQuote(checkout)}\n`);
    await writeFile(join(results, 'job.sh'), jobScript(options, cwd));
    const cpus = options.cpus ?? 2;
    const memoryMiB = options.memoryMiB ?? 2048;
    const args = qemuArgs({
      accel: accel.accel,
      kernelImage: kernel.bootImage,
      initramfs: initramfs.file,
      memoryMiB,
      cpus,
      kernelArgs: ['vmrpc.harness=1', `vmrpc.groups=${groups.join(',')}`, ...(debug ? ['vmrpc.debug=1'] : [])],
      shares: [
        { tag: 'hostroot', path: '/', readonly: true },
        { tag: 'vmrpc_checkout', path: checkout, readonly: false },
        { tag: 'vmrpc_results', path: results, readonly: false },
      ],
      ...(options.vsockGuestCid !== undefined ? { vsockGuestCid: options.vsockGuestCid } : {}),
      verbose: debug,
    });
    progress(
      `booting ${label}: ${accel.accel}, ${cpus} vCPUs, ${memoryMiB} MiB, modules ${groups.join('+')}` +
        `${options.vsockGuestCid !== undefined ? `, vsock CID ${options.vsockGuestCid}` : ''}: ${options.command.join(' ')}`,
    );
    if (debug) progress(`${QEMU_BINARY} ${args.map((a) => (/[\s,]/.test(a) ? shellQuote(a) : a)).join(' ')}`);
    return await boot(args, options, label, limits, accel, results);
  } finally {
    if (removeOnExit !== undefined) process.removeListener('exit', removeOnExit);
    if (results !== undefined) await rm(results, { recursive: true, force: true });
    await release();
  }
}

async function boot(
  args: string[],
  options: GuestRunOptions,
  label: string,
  limits: ReturnType<typeof stageLimits>,
  accel: AccelChoice,
  results: string,
): Promise<GuestRunResult> {
  const debug = debugEnabled();
  const consoleLines: string[] = [];
  const outputLines: string[] = [];
  const start = Date.now();
  let initAt: number | undefined;
  let jobStartAt: number | undefined;
  let jobExitAt: number | undefined;
  let markerExitCode: number | undefined;
  let fatal: string | undefined;
  let timedOut: string | undefined;
  let timer: NodeJS.Timeout | undefined;

  const lastConsole = (count: number): string => consoleLines.slice(-count).join('\n') || '(no console output)';

  // One timer at a time, re-armed at each stage: each stage gets its own limit and message.
  const arm = (ms: number, what: string): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = `${label} ${what} within ${formatMs(ms)}`;
      qemu.kill();
    }, ms);
  };

  const onLine = (line: string): void => {
    consoleLines.push(line);
    const marker = /@@vmrpc (init|root|job-start|job-exit (\d+)|fatal (.*))@@/.exec(line);
    const isOutput = marker === null && jobStartAt !== undefined && jobExitAt === undefined;
    // In debug mode the whole console is streamed, except output that onOutput already shows.
    if (debug && !(isOutput && options.onOutput !== undefined)) {
      process.stderr.write(`[${label} console +${formatMs(Date.now() - start)}] ${line}\n`);
    }
    if (marker === null) {
      if (isOutput) {
        outputLines.push(line);
        options.onOutput?.(`${line}\n`);
      }
      return;
    }
    const now = Date.now();
    if (marker[1] === 'init') {
      initAt = now;
      progress(`${label} reached /init after ${formatMs(now - start)}`);
      arm(limits.setupMs, 'did not mount its root and start the command');
    } else if (marker[1] === 'job-start') {
      jobStartAt = now;
      progress(`${label} started the command after ${formatMs(now - start)}`);
      arm(options.timeoutMs, 'command did not finish');
    } else if (marker[2] !== undefined) {
      jobExitAt = now;
      markerExitCode = Number(marker[2]);
      progress(`${label} command exited with code ${markerExitCode} after ${formatMs(now - (jobStartAt ?? start))}`);
      arm(limits.shutdownMs, 'did not power off');
    } else if (marker[3] !== undefined) {
      fatal = marker[3];
    }
  };

  const qemu = startQemu(args, onLine);
  arm(limits.initMs, 'did not reach /init');
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    exit = await qemu.exited;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const totalMs = Date.now() - start;

  const fail = (why: string): never => {
    const shown = debug ? '' : `\nlast console lines:\n${lastConsole(40)}`;
    throw new HarnessError(`${why}${shown}`);
  };
  if (timedOut !== undefined) fail(timedOut);
  if (fatal !== undefined) fail(`${label} /init failed: ${fatal}`);

  let exitCode = markerExitCode;
  try {
    exitCode = Number.parseInt((await readFile(join(results, 'exit-code'), 'utf8')).trim(), 10);
  } catch {
    // The console marker is the fallback; the share file is preferred as it survives a garbled console.
  }
  if (exitCode === undefined || Number.isNaN(exitCode)) {
    const how = exit.code !== null ? `QEMU exited with code ${exit.code}` : `QEMU was killed by ${exit.signal}`;
    const panic = consoleLines.some((line) => line.includes('Kernel panic')) ? ' after a kernel panic' : '';
    fail(`${label} stopped without reporting an exit code (${how}${panic})`);
  }
  progress(`${label} powered off after ${formatMs(totalMs)}`);

  const result: GuestRunResult = {
    exitCode: exitCode!,
    output: outputLines.length > 0 ? `${outputLines.join('\n')}\n` : '',
    console: `${consoleLines.join('\n')}\n`,
    bootMs: (jobStartAt ?? start) - start,
    initMs: (initAt ?? start) - start,
    totalMs,
    accel,
  };
  if (result.exitCode !== 0 && !debug) {
    // The command's own output was streamed (or is in result.output); kernel messages during boot may explain setup trouble.
    const streamed = options.onOutput !== undefined;
    const shown = (streamed ? consoleLines.slice(0, consoleLines.findIndex((line) => line.includes('@@vmrpc job-start@@'))) : consoleLines).filter(
      (line) => !line.includes('@@vmrpc '),
    );
    if (shown.length > 0) {
      process.stderr.write(`[${label}] command failed with exit code ${result.exitCode}; ${streamed ? 'boot' : 'guest'} console:\n${shown.join('\n')}\n`);
    }
  }
  return result;
}

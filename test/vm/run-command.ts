/**
 * Runs one command in a throwaway harness guest, for debugging the harness:
 *   node test/.build/vm/run-command.js [--timeout SECONDS] [--vhost] [--cid N] -- sh -c 'cat /proc/version'
 * --vhost loads vhost_vsock (so the guest can host a nested guest); --cid N gives the
 * guest a vhost-vsock device and is only accepted inside a harness guest.
 * Exits with the command's exit code.
 */
import { HarnessError } from './harness/errors.js';
import { runInGuest } from './harness/run-in-guest.js';

function usage(): never {
  process.stderr.write('usage: node test/.build/vm/run-command.js [--timeout SECONDS] [--vhost] [--cid N] [--memory MIB] [--cpus N] -- COMMAND [ARGS...]\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
let timeoutMs = 120_000;
let vhostVsock = false;
let memoryMiB: number | undefined;
let vsockGuestCid: number | undefined;
let cpus: number | undefined;
while (argv.length > 0 && argv[0] !== '--') {
  const flag = argv.shift();
  if (flag === '--timeout') timeoutMs = Number(argv.shift()) * 1000;
  else if (flag === '--vhost') vhostVsock = true;
  else if (flag === '--memory') memoryMiB = Number(argv.shift());
  else if (flag === '--cid') vsockGuestCid = Number(argv.shift());
  else if (flag === '--cpus') cpus = Number(argv.shift());
  else usage();
}
argv.shift();
if (argv.length === 0 || !Number.isFinite(timeoutMs)) usage();

try {
  const result = await runInGuest({
    command: argv,
    timeoutMs,
    vhostVsock,
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
    ...(vsockGuestCid !== undefined ? { vsockGuestCid } : {}),
    ...(cpus !== undefined ? { cpus } : {}),
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  process.stderr.write(
    `[vm] exit ${result.exitCode}; /init after ${(result.initMs / 1000).toFixed(1)} s, command started after ${(result.bootMs / 1000).toFixed(1)} s, total ${(result.totalMs / 1000).toFixed(1)} s\n`,
  );
  process.exitCode = result.exitCode;
} catch (error) {
  process.stderr.write(`${error instanceof HarnessError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}

import { rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './errors.js';
import { formatMs, progress } from './progress.js';

/**
 * One guest per machine: two TCG guests on a 2-core machine each run at half
 * speed and blow their stage limits. The lock is a directory in this
 * machine's own temp dir (a guest's /tmp is its own tmpfs, so a nested guest
 * never waits for the lock its host holds).
 */
const LOCK_DIR = join(tmpdir(), 'vmrpc-vm-harness.lock');
const POLL_MS = 1_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(LOCK_DIR, 'pid'), 'utf8'), 10);
    return Number.isNaN(pid) ? undefined : pid;
  } catch {
    return undefined;
  }
}

/** Waits until no other process on this machine runs a harness guest; returns the release function. */
export async function acquireMachineLock(maxWaitMs: number): Promise<() => Promise<void>> {
  const start = Date.now();
  let announced = false;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, 'pid'), String(process.pid));
      // Also released when the process exits early (SIGINT, a failed assertion).
      const releaseSync = (): void => rmSync(LOCK_DIR, { recursive: true, force: true });
      process.once('exit', releaseSync);
      return async () => {
        process.removeListener('exit', releaseSync);
        await rm(LOCK_DIR, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = await holder();
    if (pid !== undefined && !alive(pid)) {
      // Left behind by a killed run.
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (pid === undefined && Date.now() - start > 10_000) {
      // A holder that never wrote its pid within 10 s died between mkdir and writeFile.
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      progress(`another harness guest is running on this machine (pid ${pid ?? '?'}); waiting for it (${LOCK_DIR})`);
      announced = true;
    }
    if (Date.now() - start > maxWaitMs) {
      throw new HarnessError(`waited ${formatMs(maxWaitMs)} for another harness guest (pid ${pid ?? '?'}) to finish; remove ${LOCK_DIR} if it is stale`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

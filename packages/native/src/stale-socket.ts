/**
 * Stale Unix socket files: a server killed with SIGKILL leaves its socket file behind, and the
 * next bind(2) on that path fails with EADDRINUSE. A file is stale when it is a socket and a
 * connect to it is refused (ECONNREFUSED: no process listens on it). Only then is it removed:
 * never a live listener's file (the probe connects, which that server sees as a connection
 * closed at once), never a file that is not a socket.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { NativeBinding } from './binding';
import { encodeUnix } from './sockaddr';

const ECONNREFUSED = -os.constants.errno.ECONNREFUSED;

/** What {@link removeStaleSocket} found at a path. */
export type StaleCheck = 'removed' | 'live' | 'not-a-socket' | 'absent';

/** Removes the socket file at `path` if nothing listens on it; says what it found. */
export function removeStaleSocket(binding: NativeBinding, path: string, socketType: number): StaleCheck {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(path);
  } catch {
    return 'absent';
  }
  if (!stats.isSocket()) return 'not-a-socket';
  const fd = binding.socket(binding.constants.AF_UNIX, socketType);
  if (fd < 0) return 'live';
  // A Unix connect completes or fails at once, even on a non-blocking socket. Anything but a
  // refusal (connected, EAGAIN for a full backlog, EPROTOTYPE for another socket type) means
  // a process still owns the path.
  const rc = binding.connect(fd, encodeUnix({ path }));
  binding.close(fd);
  if (rc !== ECONNREFUSED) return 'live';
  try {
    fs.unlinkSync(path);
  } catch {
    // Removed by someone else meanwhile: the path is free either way.
  }
  return 'removed';
}

/**
 * Why a path that bind(2) or connect(2) refused is no socket file at all, or undefined. Only
 * called on those error paths, so the file system is looked at only when something failed.
 */
export function notASocketHint(path: string): string | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(path);
  } catch {
    return undefined;
  }
  if (stats.isDirectory()) return `${path} is a directory: name a socket file inside it, e.g. ${path.replace(/\/+$/, '')}/app.sock`;
  if (!stats.isSocket()) return `${path} exists and is not a socket: choose another path (it is not removed for you)`;
  return undefined;
}

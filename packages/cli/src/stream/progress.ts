/** `--progress`: bytes and rates of a transfer on stderr, once a second and at the end. */
import type { Writable } from 'node:stream';
import type { ByteCounts } from './relay';

function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Reports `counts` to `stderr` every `intervalMs`; the returned function stops and prints the totals. */
export function reportProgress(counts: ByteCounts, stderr: Writable, intervalMs = 1000): () => void {
  const started = Date.now();
  let last = { at: started, sent: 0, received: 0 };
  const line = (from: typeof last, now: number, label: string): string => {
    const seconds = Math.max(now - from.at, 1) / 1000;
    const rate = (total: number, before: number): string => `${bytes((total - before) / seconds)}/s`;
    return `vmrpc nc: ${label}sent ${bytes(counts.sent)} (${rate(counts.sent, from.sent)}), received ${bytes(counts.received)} (${rate(counts.received, from.received)})\n`;
  };
  const timer = setInterval(() => {
    const now = Date.now();
    stderr.write(line(last, now, ''));
    last = { at: now, sent: counts.sent, received: counts.received };
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    const now = Date.now();
    stderr.write(line({ at: started, sent: 0, received: 0 }, now, `${((now - started) / 1000).toFixed(1)} s, `));
  };
}

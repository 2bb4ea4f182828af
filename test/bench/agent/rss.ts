/** Resident set size after a full garbage collection (the process must run with --expose-gc). */
export function rssAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage.rss();
}

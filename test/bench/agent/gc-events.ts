/**
 * Garbage collections of this process on the wall clock (epoch ms), so that events of two
 * processes in one guest can be laid beside each other's call timings.
 */
import { PerformanceObserver, performance, constants } from 'node:perf_hooks';

export interface GcEvent {
  /** Epoch milliseconds (performance.timeOrigin + startTime). */
  startMs: number;
  durationMs: number;
  kind: string;
}

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

/** Starts recording; the returned function stops and hands back what was seen. */
export function recordGc(): () => GcEvent[] {
  const events: GcEvent[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: unknown }).detail as { kind?: number } | undefined;
      events.push({ startMs: performance.timeOrigin + entry.startTime, durationMs: entry.duration, kind: KINDS[detail?.kind ?? -1] ?? 'other' });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    observer.disconnect();
    return events;
  };
}

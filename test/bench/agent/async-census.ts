/**
 * Counts the async resources (timers, immediates, ticks, promises...) this process creates while
 * recording, by type, with the most frequent creation sites of timers and immediates: what a call
 * schedules besides its socket I/O.
 */
import { createHook } from 'node:async_hooks';

export interface Census {
  byType: Record<string, number>;
  /** "type at site" -> count, for Timeout and Immediate. */
  sites: Record<string, number>;
}

export function recordAsync(): () => Census {
  const byType: Record<string, number> = {};
  const sites: Record<string, number> = {};
  const hook = createHook({
    init(_id, type) {
      byType[type] = (byType[type] ?? 0) + 1;
      if (type !== 'Timeout' && type !== 'Immediate') return;
      const frames = (new Error().stack ?? '').split('\n').slice(2).filter((frame) => !frame.includes('node:internal/async_hooks') && !frame.includes('async-census'));
      const site = `${type} ${frames.slice(0, 4).map((frame) => frame.trim()).join(' < ')}`;
      sites[site] = (sites[site] ?? 0) + 1;
    },
  });
  hook.enable();
  return () => {
    hook.disable();
    return { byType, sites };
  };
}

export function formatCensus(who: string, census: Census, calls: number): string {
  const types = Object.entries(census.byType).sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${(n / calls).toFixed(2)}`).join(', ');
  const sites = Object.entries(census.sites).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([site, n]) => `    ${(n / calls).toFixed(3)}/call ${site}`);
  return [`  ${who} async resources per call: ${types}`, ...sites].join('\n');
}

/**
 * Comparison rows: one job done by several peers, each peer's per-round figures reduced to the
 * median and the spread (min-max over rounds), with ratios against the baselines of the row.
 */
import { median } from './stats.js';

export interface Measured {
  name: string;
  median: number;
  min: number;
  max: number;
  /** Set when a peer's warm-up never got steady in some round. */
  unsteady?: boolean;
}

export interface ComparisonRow {
  what: string;
  unit: string;
  higherIsBetter: boolean;
  /**
   * Entries the others are divided by (in the same run). A baseline itself is compared only
   * with the baselines listed before it, so the list's order says what is measured against what.
   */
  baselines: string[];
  entries: Measured[];
}

/** Collects per-round samples: add(row, peer, value) each round, then rows(). */
export class Comparisons {
  private readonly samples = new Map<string, { spec: Omit<ComparisonRow, 'entries'>; peers: Map<string, { values: number[]; unsteady: boolean }> }>();

  add(spec: Omit<ComparisonRow, 'entries'>, peer: string, value: number, steady = true): void {
    const row = this.samples.get(spec.what) ?? { spec, peers: new Map() };
    this.samples.set(spec.what, row);
    const entry = row.peers.get(peer) ?? { values: [], unsteady: false };
    row.peers.set(peer, entry);
    entry.values.push(value);
    entry.unsteady ||= !steady;
  }

  rows(): ComparisonRow[] {
    return [...this.samples.values()].map(({ spec, peers }) => ({
      ...spec,
      entries: [...peers].map(([name, { values, unsteady }]) => ({
        name,
        median: median(values),
        min: Math.min(...values),
        max: Math.max(...values),
        ...(unsteady ? { unsteady } : {}),
      })),
    }));
  }
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** The markdown table of comparison rows. */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const lines = ['| what | peer | median | spread over rounds | ratio (same run) |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const byName = new Map(row.entries.map((entry) => [entry.name, entry]));
    for (const entry of row.entries) {
      const position = row.baselines.indexOf(entry.name);
      const against = position >= 0 ? row.baselines.slice(0, position) : row.baselines;
      const ratios = against
        .filter((name) => byName.has(name))
        .map((name) => `${(entry.median / byName.get(name)!.median).toFixed(2)}x ${name}`);
      const label = `${row.what} (${row.unit}, ${row.higherIsBetter ? 'higher' : 'lower'} is better)`;
      const spread = entry.min === entry.max ? '' : `${format(entry.min)}-${format(entry.max)}`;
      lines.push(`| ${label} | ${entry.name}${entry.unsteady ? ' (warm-up never steady)' : ''} | ${format(entry.median)} | ${spread} | ${ratios.join('; ')} |`);
    }
  }
  return lines.join('\n');
}

/**
 * The figures a faults run writes to docs/reliability.md: each test records what it held (calls,
 * connections, bytes verified, inputs tried, faults survived); a root hook saves them as JSON
 * (VMRPC_FAULTS_FIGURES, default test/.build/faults/figures-<where>.json) for report.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Figure {
  /** Which table row: `load`, `integrity`, `faults`, `fuzz`. */
  group: string;
  /** What was done, in words (`1000 concurrent unary calls on one channel`). */
  what: string;
  /** The carrier (`unix`, `hybrid-vsock`, `vsock`). */
  carrier: string;
  /** The measured outcome (`held, 2.1 s, fds +0, heap +1.2 MiB`). */
  result: string;
  /** Counted quantities, summed in the report's totals. */
  counts?: { bytesVerified?: number; inputs?: number; faults?: number; calls?: number; connections?: number };
}

export interface FiguresFile {
  where: string;
  date: string;
  machine: string;
  node: string;
  scale: string;
  seed: number;
  passed: number;
  failed: number;
  figures: Figure[];
}

const figures: Figure[] = [];
let seed = 0;

export function recordFigure(figure: Figure): void {
  figures.push(figure);
}

export function recordSeed(value: number): void {
  seed = value;
}

export const here = path.dirname(fileURLToPath(import.meta.url));

export function figuresPath(where: string): string {
  return process.env.VMRPC_FAULTS_FIGURES ?? path.resolve(here, '..', `figures-${where}.json`);
}

export function machineDescription(): string {
  const cpus = os.cpus();
  return `${os.type()} ${os.release()}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
}

/** Writes the figures recorded in this process (called once, after the last test). */
export function saveFigures(where: string, scale: string, passed: number, failed: number): void {
  const file: FiguresFile = {
    where,
    date: new Date().toISOString(),
    machine: machineDescription(),
    node: process.version,
    scale,
    seed,
    passed,
    failed,
    figures,
  };
  const target = figuresPath(where);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
}

/** Bytes as MiB / GiB for the report. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

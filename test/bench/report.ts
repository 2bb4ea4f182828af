/** Writes benchmark results: JSON beside the docs, and the table inside docs/benchmarks.md. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparisonTable, type ComparisonRow } from './comparison.js';
import type { GrpcFigures } from './measure.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs');
const jsonFile = path.join(docs, 'benchmarks.json');
const mdFile = path.join(docs, 'benchmarks.md');

export interface VariantResult {
  name: string;
  /** The variant this one is compared with; figures of both come from the same run. */
  baseline?: string;
  figures: Partial<GrpcFigures> & { rawMiBps?: number };
}

export interface SuiteResult {
  suite: string;
  when: string;
  machine: string;
  rounds: number;
  /** What was measured and how, when the suite needs more than the usual sentence. */
  note?: string;
  variants?: VariantResult[];
  comparisons?: ComparisonRow[];
}

export function machineDescription(extra = ''): string {
  return `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}${nodeSettings()}${extra ? `, ${extra}` : ''}`;
}

/** Node flags and a thread pool size the run was given, which change what it measures. */
function nodeSettings(): string {
  const settings = [...process.execArgv, ...(process.env.UV_THREADPOOL_SIZE === undefined ? [] : [`UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE}`])];
  return settings.length === 0 ? '' : ` (${settings.join(' ')})`;
}

function ratio(value: number | undefined, base: number | undefined, higherIsBetter: boolean): string {
  if (value === undefined || base === undefined || base === 0) return '';
  const r = value / base;
  return ` (${r.toFixed(2)}x${higherIsBetter ? '' : ' of'})`;
}

function table(result: SuiteResult): string {
  const heading = [
    `### ${result.suite}`,
    '',
    `${result.when}; ${result.machine}; medians of ${result.rounds} interleaved rounds. Ratios are against the baseline named, measured in the same run.${result.note === undefined ? '' : ` ${result.note}`}`,
    '',
  ];
  if (result.comparisons !== undefined) return [...heading, comparisonTable(result.comparisons)].join('\n');
  const variants = result.variants ?? [];
  const byName = new Map(variants.map((v) => [v.name, v]));
  const lines = [
    ...heading,
    '| variant | baseline | unary p50 us | unary p99 us | 64-in-flight calls/s | stream MiB/s | raw MiB/s |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const variant of variants) {
    const base = variant.baseline === undefined ? undefined : byName.get(variant.baseline)?.figures;
    const f = variant.figures;
    const cell = (value: number | undefined, digits: number, baseValue: number | undefined, higherIsBetter: boolean): string =>
      value === undefined ? '' : `${value.toFixed(digits)}${ratio(value, baseValue, higherIsBetter)}`;
    lines.push(
      `| ${variant.name} | ${variant.baseline ?? '-'} | ${cell(f.unaryP50Us, 0, base?.unaryP50Us, false)} | ${cell(f.unaryP99Us, 0, base?.unaryP99Us, false)} | ${cell(f.callsPerSecond, 0, base?.callsPerSecond, true)} | ${cell(f.streamMiBps, 1, base?.streamMiBps ?? base?.rawMiBps, true)} | ${cell(f.rawMiBps, 1, undefined, true)} |`,
    );
  }
  return lines.join('\n');
}

/** Stores one suite's result (replacing an older one of the same suite) and rewrites the tables. */
export function saveResult(result: SuiteResult): void {
  let all: SuiteResult[] = [];
  try {
    all = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as SuiteResult[];
  } catch {
    all = [];
  }
  // Replaced in place, so the tables keep their order in the docs.
  const at = all.findIndex((r) => r.suite === result.suite);
  all = at < 0 ? [...all, result] : all.map((r, i) => (i === at ? result : r));
  fs.writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  const begin = '<!-- results:begin -->';
  const end = '<!-- results:end -->';
  const current = fs.existsSync(mdFile) ? fs.readFileSync(mdFile, 'utf8') : `${begin}\n${end}\n`;
  const head = current.includes(begin) ? current.slice(0, current.indexOf(begin)) : current;
  const tail = current.includes(end) ? current.slice(current.indexOf(end) + end.length) : '\n';
  fs.writeFileSync(mdFile, `${head}${begin}\n\n${all.map(table).join('\n\n')}\n\n${end}${tail}`);
  console.log(table(result));
}

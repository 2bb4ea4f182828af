/**
 * Rewrites the generated part of docs/reliability.md (between its markers) from the figures the
 * last `pnpm test:faults` saved: test/.build/faults/figures-host.json and figures-vsock.json.
 * A part that did not run (no QEMU) is listed as such; a failed part is shown as failed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { figuresPath, formatBytes, here, type Figure, type FiguresFile } from './support/figures.js';

const BEGIN = '<!-- BEGIN GENERATED: pnpm test:faults -->';
const END = '<!-- END GENERATED -->';
const GROUPS: Array<[string, string]> = [
  ['load', 'Load held'],
  ['integrity', 'Bytes verified'],
  ['faults', 'Faults survived'],
  ['fuzz', 'Inputs tried'],
];

function read(where: string): FiguresFile | undefined {
  const file = figuresPath(where);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FiguresFile) : undefined;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function total(files: FiguresFile[], key: keyof NonNullable<Figure['counts']>): number {
  return files.flatMap((file) => file.figures).reduce((sum, figure) => sum + (figure.counts?.[key] ?? 0), 0);
}

export function generatedSection(files: FiguresFile[], missing: string[]): string {
  const lines = [BEGIN, ''];
  for (const file of files) {
    lines.push(
      `- **${file.where === 'host' ? 'Host part' : 'VM part (vsock in a QEMU guest, TCG)'}**: ${file.date.slice(0, 16).replace('T', ' ')} UTC, ` +
        `${file.machine}, Node ${file.node}, scale \`${file.scale}\`, seed ${file.seed}: **${file.passed} passed, ${file.failed} failed**`,
    );
  }
  for (const where of missing) lines.push(`- ${where === 'host' ? 'Host part' : 'VM part'}: not run (no figures file)`);
  lines.push(
    '',
    `Totals: ${total(files, 'calls')} calls, ${total(files, 'connections')} connections, ${formatBytes(total(files, 'bytesVerified'))} verified byte for byte, ` +
      `${total(files, 'faults')} faults injected and survived, ${total(files, 'inputs')} malformed inputs tried.`,
  );
  for (const [group, title] of GROUPS) {
    const rows = files.flatMap((file) => file.figures.filter((figure) => figure.group === group));
    if (rows.length === 0) continue;
    lines.push('', `### ${title}`, '', '| what | carrier | result |', '|---|---|---|');
    for (const row of rows) lines.push(`| ${cell(row.what)} | ${cell(row.carrier)} | ${cell(row.result)} |`);
  }
  lines.push('', END);
  return lines.join('\n');
}

function main(): number {
  const doc = path.resolve(here, '../../../../docs/reliability.md');
  const files: FiguresFile[] = [];
  const missing: string[] = [];
  for (const where of ['host', 'vsock']) {
    const file = read(where);
    if (file === undefined) missing.push(where);
    else files.push(file);
  }
  const text = readFileSync(doc, 'utf8');
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin < 0 || end < begin) {
    process.stderr.write(`${doc}: the generated-section markers are missing\n`);
    return 1;
  }
  writeFileSync(doc, text.slice(0, begin) + generatedSection(files, missing) + text.slice(end + END.length));
  process.stdout.write(`docs/reliability.md: figures of ${files.map((file) => file.where).join(' and ') || 'no run'} written\n`);
  return 0;
}

process.exitCode = main();

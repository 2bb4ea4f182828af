/**
 * What starting a short command costs a Node agent (issue 16, goal 1's `/bin/true` row): spawns
 * `/bin/true` the way the example agent's RunCommand does (pipes for its output, a process group
 * of its own), sequentially, and prints the median and the minimum. Node forks the whole process
 * to start a child, so the figure grows with the agent's memory: --heap-mib N first fills about N
 * MiB of JavaScript heap, like an agent that has served calls.
 *   node spawn-probe.js [--spawns N] [--heap-mib N]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { percentile } from '../stats.js';

const { values } = parseArgs({ options: { spawns: { type: 'string', default: '60' }, 'heap-mib': { type: 'string', default: '0' } } });
const spawns = Number(values.spawns);
const heapMiB = Number(values['heap-mib']);
if (!Number.isInteger(spawns) || spawns < 1) throw new RangeError(`--spawns must be a positive integer (got ${values.spawns})`);
if (!Number.isFinite(heapMiB) || heapMiB < 0) throw new RangeError(`--heap-mib must be a number of MiB >= 0 (got ${values['heap-mib']})`);

// About 100 bytes per entry: kept alive until the end, so the fork copies their page tables.
const ballast = Array.from({ length: Math.round((heapMiB * 2 ** 20) / 100) }, (_, i) => ({ i, text: `entry ${i}` }));

function runTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`/bin/true exited with ${code}`))));
  });
}

for (let i = 0; i < 20; i++) await runTrue();
const times: number[] = [];
for (let i = 0; i < spawns; i++) {
  const started = process.hrtime.bigint();
  await runTrue();
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
}
const rssMiB = process.memoryUsage().rss / 2 ** 20;
console.log(`node ${process.version}, ${spawns} spawns of /bin/true, RSS ${rssMiB.toFixed(0)} MiB (ballast ${ballast.length} entries): p50 ${percentile(times, 50).toFixed(2)} ms, min ${Math.min(...times).toFixed(2)} ms`);

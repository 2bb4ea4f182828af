/**
 * The benchmark's own parts, on this machine over Unix sockets: every peer program moves exactly
 * the bytes asked for and answers every ping; warm-up trimming, ratios and profile layers are right.
 * (The vsock rows themselves run only in the guest: `pnpm bench:vm`.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { comparisonTable, Comparisons } from './comparison.js';
import { buildCPeer, measureRawPeer, rawPeers, type RawPeer } from './peers/raw-rows.js';
import { start, stopAll } from './processes.js';
import { summarize } from './profile/cpu-profile.js';
import { rowFilter } from './peer-suite.js';
import { afterWarmUp } from './stats.js';

const { nodeForChoice } = createRequire(import.meta.url)('../../release/node-bin.cjs') as { nodeForChoice(choice: string, setting: string): string };

describe('benchmark tools', function () {
  let dir: string;
  let peers: RawPeer[];

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'vmrpc-bench-test-'));
    peers = rawPeers(buildCPeer(dir), false);
  });

  after(function () {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('VMRPC_BENCH_ROWS picks rows by parts of their names, and unset picks every row', function () {
    const names = ['@vmrpc/native portable', 'C read/write', 'tiny host->guest call', 'system info', 'memory'];
    expect(names.filter(rowFilter('portable, TINY'))).to.deep.equal(['@vmrpc/native portable', 'tiny host->guest call']);
    expect(names.filter(rowFilter('memory'))).to.deep.equal(['memory']);
    expect(names.filter(rowFilter(undefined))).to.deep.equal(names);
    expect(names.filter(rowFilter(' , '))).to.deep.equal(names);
  });

  it('offers the C, Python, node:net and both @vmrpc/native peers over Unix sockets', function () {
    expect(peers.map((peer) => peer.name)).to.deep.equal(['C read/write', 'Python socket', 'node:net, Unix socket', '@vmrpc/native native-handle', '@vmrpc/native portable']);
  });

  it('leaves the C rows out when there is no C compiler', function () {
    expect(rawPeers(undefined, true).map((peer) => peer.name)).to.deep.equal([
      'Python socket',
      'node-vsock',
      'node:net, Unix socket',
      '@vmrpc/native native-handle',
      '@vmrpc/native portable',
      '@vmrpc/native native-handle, 4 MiB vsock buffer',
    ]);
  });

  for (const name of ['C read/write', 'Python socket', 'node:net, Unix socket', '@vmrpc/native native-handle', '@vmrpc/native portable']) {
    it(`${name}: a stream arrives whole and every ping is answered`, async function () {
      this.timeout(60_000);
      const peer = peers.find((candidate) => candidate.name === name)!;
      const figures = await measureRawPeer(peer, dir);
      expect(figures.mibps).to.be.greaterThan(0);
      expect(figures.p50Us).to.be.greaterThan(0);
      expect(figures.p99Us).to.be.at.least(figures.p50Us);
    });
  }

  it('a stream client that gets fewer bytes than asked fails with the counts', async function () {
    const [cPeer] = peers;
    const addr = `unix:${path.join(dir, 'short.sock')}`;
    const server = start(cPeer!.argv[0]!, ['serve', addr, String(65536)]);
    await server.line(/^ready$/, 10_000);
    const error = await start(cPeer!.argv[0]!, ['client', addr, String(131072), '3'])
      .done(10_000)
      .then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/received 65536 bytes, expected 131072/);
  });

  it('warm-up ends at the first batch that agrees with the one before', function () {
    const samples = [...Array(25).fill(100), ...Array(25).fill(50), ...Array(25).fill(52), ...Array(30).fill(51)];
    const { samples: kept, steady } = afterWarmUp(samples);
    expect(steady).to.equal(true);
    expect(kept).to.have.length(30);
    expect(afterWarmUp(Array.from({ length: 400 }, (_, i) => (i % 50 < 25 ? 10 : 100))).steady).to.equal(false);
  });

  it('rows give medians, spreads and ratios against their baselines', function () {
    const comparisons = new Comparisons();
    const spec = { what: 'stream', unit: 'MiB/s', higherIsBetter: true, baselines: ['C'] };
    for (const [c, ours] of [[60, 30], [64, 40], [62, 35]] as const) {
      comparisons.add(spec, 'C', c);
      comparisons.add(spec, 'ours', ours, ours !== 40);
    }
    const [row] = comparisons.rows();
    expect(row!.entries).to.deep.equal([
      { name: 'C', median: 62, min: 60, max: 64 },
      { name: 'ours', median: 35, min: 30, max: 40, unsteady: true },
    ]);
    const table = comparisonTable([row!]);
    expect(table).to.include('| stream (MiB/s, higher is better) | ours (warm-up never steady) | 35.0 | 30.0-40.0 | 0.56x C |');
    expect(table).to.include('| stream (MiB/s, higher is better) | C | 62.0 | 60.0-64.0 |  |');
  });

  it('a CPU profile is split into layers by source file, idle and profiler left out', function () {
    const frame = (id: number, functionName: string, url: string, children: number[] = []): object => ({ id, callFrame: { functionName, url, lineNumber: 0, scriptId: '0', columnNumber: 0 }, children });
    const profile = {
      nodes: [
        frame(1, '(root)', '', [2, 3, 4, 5]),
        frame(2, 'request', 'node:internal/http2/core'),
        frame(3, 'decode', 'file:///x/node_modules/protobufjs/src/reader.js'),
        frame(4, '(idle)', ''),
        frame(5, 'post', 'node:inspector'),
      ],
      startTime: 0,
      endTime: 1000,
      samples: [2, 2, 3, 4, 5, 2],
      timeDeltas: [0, 100, 100, 100, 100, 100],
    };
    const file = path.join(dir, 'test.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const summary = summarize(file);
    expect(summary.idleMs).to.equal(0.1);
    expect(summary.layers.map(({ layer, ms }) => [layer, ms])).to.deep.equal([
      ['HTTP/2 (node:http2, nghttp2)', 0.2],
      ['codec (protobufjs, rpc codec)', 0.1],
    ]);
  });

  it('VMRPC_BENCH_NODE: "system" is the machine\'s node, a bad line is refused with the fix', function () {
    expect(nodeForChoice('system', 'VMRPC_BENCH_NODE')).to.equal('node');
    for (const bad of ['24.1', 'lts', '', '4']) {
      expect(() => nodeForChoice(bad, 'VMRPC_BENCH_NODE')).to.throw(`VMRPC_BENCH_NODE=${bad}: expected a Node release line such as 22, 24 or 26, or "system"`);
    }
  });

  it('a Node child of the bench runs with the Node flags of its parent (VMRPC_BENCH_NODE_FLAGS)', function () {
    const processes = path.join(path.dirname(fileURLToPath(import.meta.url)), 'processes.js');
    const child = path.join(dir, 'print-flags.mjs');
    writeFileSync(child, 'process.stdout.write(process.execArgv.join(" "));');
    const parent = path.join(dir, 'start-child.mjs');
    writeFileSync(parent, `import { start } from ${JSON.stringify(processes)}; process.stdout.write(await start(process.execPath, [${JSON.stringify(child)}]).done(20000));`);
    const output = execFileSync(process.execPath, ['--single-threaded-gc', parent], { encoding: 'utf8' });
    expect(output.trim()).to.equal('--single-threaded-gc');
  });

  it('the tail probe times every call and lays GC of both processes beside it (over Unix sockets)', async function () {
    this.timeout(120_000);
    const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent', 'tail-probe.js');
    const output = await start(process.execPath, [probe, '--unix', '--calls', '300']).done(100_000);
    expect(output).to.match(/^AgentHost -> GuestAgent Echo\.Say: 300 calls, p50 [\d.]+ ms, p99 [\d.]+ ms/m);
    expect(output).to.match(/per window of 150: [\d.]+\/[\d.]+ [\d.]+\/[\d.]+\n/);
    expect(output).to.match(/^ {2}host GC: /m);
    expect(output).to.match(/^ {2}agent GC: /m);
    expect(output).to.match(/calls over 3x p50: \d+/);
  });

  it('the tail probe counts the async resources a call creates in host and agent', async function () {
    this.timeout(120_000);
    const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent', 'tail-probe.js');
    const output = await start(process.execPath, [probe, '--unix', '--calls', '200', '--async']).done(100_000);
    // Every call settles promises on both sides; the counts are per call, not totals.
    expect(output).to.match(/^ {2}host async resources per call: (.* )?PROMISE [1-9][\d.]*/m);
    expect(output).to.match(/^ {2}agent async resources per call: (.* )?PROMISE [1-9][\d.]*/m);
  });

  it('the tail probe refuses a bad --calls or an unknown argument, naming it', async function () {
    const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent', 'tail-probe.js');
    for (const [args, message] of [
      [['--unix', '--calls', 'many'], /--calls must be a whole number of at least 150 \(got many\)/],
      [['--unix', '--fast'], /unknown argument --fast \(usage: /],
    ] as const) {
      const error = await start(process.execPath, [probe, ...args]).done(30_000).then(
        () => undefined,
        (failure: Error) => failure,
      );
      expect(error?.message).to.match(message);
    }
  });
});

/**
 * `node test/.build/http/bench/http-bench.js [--carrier unix|vsock] [--json]`: HTTP over a VM
 * socket against the same library over TCP loopback, in one run, same server code:
 * - p50 / p99 of sequential small requests (node:http with a keep-alive agent, and undici),
 * - throughput of one large response body (MiB/s).
 * `unix` (default) runs anywhere; `vsock` uses vsock loopback (CID 1) and belongs in a VM guest.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent as UndiciAgent, request as undiciRequest, type Dispatcher } from 'undici';
import { VmHttpAgent, serve, type VmHttpListener } from '@vmrpc/http';
import { createVmDispatcher } from '@vmrpc/http/undici';

const SMALL = Buffer.alloc(100, 1);
const BULK_BYTES = 256 * 1024 * 1024;
const BULK_CHUNK = Buffer.alloc(1024 * 1024, 7);

interface Figures {
  p50Us: number;
  p99Us: number;
  bodyMiBps: number;
}

function createBenchServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.url === '/bulk') {
      res.setHeader('content-length', String(BULK_BYTES));
      let sent = 0;
      const pump = (): void => {
        while (sent < BULK_BYTES) {
          sent += BULK_CHUNK.length;
          if (!res.write(BULK_CHUNK)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    res.end(SMALL);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(get: (path: string) => Promise<number>, calls: number): Promise<Figures> {
  for (let i = 0; i < 200; i++) await get('/small'); // warm-up
  const latencies: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    await get('/small');
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  latencies.sort((a, b) => a - b);
  const started = process.hrtime.bigint();
  const bytes = await get('/bulk');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (bytes !== BULK_BYTES) throw new Error(`bulk body: ${bytes} bytes, expected ${BULK_BYTES}`);
  return { p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99), bodyMiBps: bytes / (1024 * 1024) / seconds };
}

function nodeHttpGet(agent: http.Agent, origin: string): (path: string) => Promise<number> {
  return (path) =>
    new Promise((resolve, reject) => {
      http
        .get(`${origin}${path}`, { agent }, (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.once('end', () => resolve(bytes));
          res.once('error', reject);
        })
        .once('error', reject);
    });
}

function undiciGet(dispatcher: Dispatcher, origin: string): (path: string) => Promise<number> {
  return async (path) => {
    const { body } = await undiciRequest(`${origin}${path}`, { dispatcher });
    let bytes = 0;
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    return bytes;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { carrier: { type: 'string', default: 'unix' }, calls: { type: 'string', default: '2000' }, json: { type: 'boolean', default: false } } });
  const calls = Number(values.calls);
  const server = createBenchServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tcpOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const port = 24_000 + (process.pid % 1000);
  const [listenTarget, target] =
    values.carrier === 'vsock' ? [`vsock:any:${port}`, `vsock:1:${port}`] : [`unix:/tmp/vmrpc-http-bench-${process.pid}.sock`, `unix:/tmp/vmrpc-http-bench-${process.pid}.sock`];
  const listener: VmHttpListener = await serve(server, listenTarget);

  const rows: Array<{ library: string; carrier: string } & Figures> = [];
  const tcpAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const vmAgent = new VmHttpAgent({ target, keepAlive: true, maxSockets: 1 });
  rows.push({ library: 'node:http', carrier: 'tcp loopback', ...(await measure(nodeHttpGet(tcpAgent, tcpOrigin), calls)) });
  rows.push({ library: 'node:http', carrier: values.carrier!, ...(await measure(nodeHttpGet(vmAgent, 'http://bench.internal'), calls)) });
  const tcpDispatcher = new UndiciAgent({ connections: 1 });
  const vmDispatcher = createVmDispatcher({ target, connections: 1 });
  rows.push({ library: 'undici', carrier: 'tcp loopback', ...(await measure(undiciGet(tcpDispatcher, tcpOrigin), calls)) });
  rows.push({ library: 'undici', carrier: values.carrier!, ...(await measure(undiciGet(vmDispatcher, 'http://bench.internal'), calls)) });

  tcpAgent.destroy();
  vmAgent.destroy();
  await tcpDispatcher.close();
  await vmDispatcher.close();
  await listener.close(1000);
  await new Promise((resolve) => server.close(resolve));

  if (values.json) return void console.log(JSON.stringify({ suite: 'http', calls, bulkBytes: BULK_BYTES, rows }));
  console.log(`HTTP over ${values.carrier} vs TCP loopback, Node ${process.version} (${calls} sequential GETs of 100 bytes; one ${BULK_BYTES / 1024 / 1024} MiB body)`);
  console.log('| library | carrier | p50 us | p99 us | body MiB/s |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.library} | ${row.carrier} | ${row.p50Us.toFixed(0)} | ${row.p99Us.toFixed(0)} | ${row.bodyMiBps.toFixed(0)} |`);
}

main().catch((error: Error) => {
  console.error(`http-bench: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});

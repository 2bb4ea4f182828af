/**
 * A client in a process of its own, killed by the test while it streams:
 *   node client-peer.js <endpoint JSON> download|upload
 * download: reads an endless server stream; upload: sends an endless client stream.
 * Prints `streaming` once messages flow.
 */
import { closeClient, createClient } from '@vmrpc/rpc';
import { ConformanceService } from '../../rpc/generated/vmrpc/testing/v1/conformance.js';
import type { Endpoint } from '../support/carriers.js';
import { sequencedMessage } from '../support/fault-service.js';

const at = JSON.parse(process.argv[2] ?? '{}') as Endpoint;
const mode = process.argv[3];
const client = createClient(ConformanceService, at.dial);
let announced = false;
const announce = (): void => {
  if (!announced) process.stdout.write('streaming\n');
  announced = true;
};

if (mode === 'download') {
  for await (const _ of client.serverStream({ responseCount: 0, responseSize: 4096 })) announce();
} else {
  async function* requests(): AsyncGenerator<{ payload: Buffer }> {
    for (let index = 0; ; index++) {
      if (index === 10) announce();
      yield { payload: sequencedMessage(index, 4096) };
      if (index % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await client.clientStream(requests());
}
closeClient(client);

/**
 * The host side: calls the guest with three libraries as they are, each pointed at the VM socket
 * by one option (the URL's host name stays the Host header).
 *
 *   node dist/host.js [--target vsock:3:8080]
 */
import { parseArgs } from 'node:util';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { fetch } from 'undici';
import { WebSocket } from 'ws';
import { VmHttpAgent } from '@vmrpc/http';
import { createVmDispatcher } from '@vmrpc/http/undici';
import { GuestService } from './gen/example/guest/v1/guest_pb';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string', default: 'vsock:3:8080' } } });
  const dispatcher = createVmDispatcher({ target: values.target, connectTimeout: 3000 });
  const agent = new VmHttpAgent({ target: values.target, keepAlive: true, connectTimeout: 3000 });
  try {
    // fetch (undici)
    const health = (await (await fetch('http://guest.internal/health', { dispatcher })).json()) as { status: string; caller: string };
    console.log(`host: fetch /health -> ${health.status} (the guest saw ${health.caller})`);

    // Connect-RPC over HTTP/1.1 through the agent
    const client = createClient(GuestService, createConnectTransport({ baseUrl: 'http://guest.internal', httpVersion: '1.1', nodeOptions: { agent } }));
    const info = await client.info({}, { timeoutMs: 5000 });
    console.log(`host: GuestService.Info -> ${info.hostname} (the guest saw ${info.caller})`);

    // WebSocket (ws) through the agent
    const hello = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket('ws://guest.internal/events', { agent });
      socket.once('message', (data: Buffer) => {
        socket.close();
        resolve(data.toString());
      });
      socket.once('error', reject);
    });
    console.log(`host: ws /events -> ${hello}`);
  } finally {
    agent.destroy();
    await dispatcher.close();
  }
}

main().catch((error: Error & { cause?: Error }) => {
  console.error(`host: ${error.cause?.message ?? error.message}`);
  process.exitCode = 1;
});

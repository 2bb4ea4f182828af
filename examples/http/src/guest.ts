/**
 * The guest side: one Node HTTP server on one VM socket, carrying an Express app, a WebSocket
 * endpoint (ws) and a Connect-RPC service, all told which VM calls them by peerOf().
 *
 *   node dist/guest.js [--listen vsock:any:8080] [--allow-cid 2]
 */
import * as http from 'node:http';
import type * as http2 from 'node:http2';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { createContextKey, createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import express = require('express');
import { WebSocketServer } from 'ws';
import { peerOf, serve } from '@vmrpc/http';
import { formatTarget } from '@vmrpc/native';
import { GuestService, InfoResponseSchema } from './gen/example/guest/v1/guest_pb';

/** The caller of a Connect-RPC call, set per request from peerOf(). */
const callerKey = createContextKey('', { description: 'the VM that calls' });

function callerOf(req: http.IncomingMessage | http2.Http2ServerRequest): string {
  const peer = peerOf(req);
  return peer === undefined ? 'an unknown peer' : formatTarget(peer);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { listen: { type: 'string', default: 'vsock:any:8080' }, 'allow-cid': { type: 'string' } } });

  // An ordinary Express app: nothing in it knows about VM sockets except peerOf().
  const app = express();
  app.get('/health', (req, res) => res.json({ status: 'ok', caller: callerOf(req) }));

  // Connect-RPC routes first; everything else falls through to Express.
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(GuestService, {
        info: (_request, context) =>
          create(InfoResponseSchema, { hostname: os.hostname(), caller: context.values.get(callerKey), uptimeSeconds: process.uptime() }),
      }),
    contextValues: (req) => createContextValues().set(callerKey, callerOf(req)),
    fallback: (req, res) => app(req as http.IncomingMessage, res as http.ServerResponse),
  });
  const server = http.createServer(handler);

  const wss = new WebSocketServer({ server, path: '/events' });
  wss.on('connection', (socket, req) => socket.send(JSON.stringify({ event: 'hello', caller: callerOf(req) })));

  // The one vmrpc line: where this was `server.listen(8080)`.
  const allowCid = values['allow-cid'] === undefined ? undefined : Number(values['allow-cid']);
  const listener = await serve(server, values.listen, {
    authorize: allowCid === undefined ? undefined : (peer) => peer?.family === 'vsock' && peer.cid === allowCid,
  });
  console.log(`guest: serving HTTP, WebSocket and Connect-RPC on ${values.listen}`);
  const stop = (): void => {
    for (const client of wss.clients) client.close(1001, 'guest stopping');
    void listener.close(1000).then(() => console.log('guest: closed'));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`guest: ${error.message}`);
  process.exitCode = 1;
});

/** The Express app every HTTP/1.1 suite serves: echo, bulk bytes, peer, a body cut short, a request never answered. */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import express from 'express';
import { peerOf } from '@vmrpc/http';
import { payload } from '../../support/checks.js';

export const BULK = payload(4 * 1024 * 1024 + 17);

export interface TestApp {
  server: http.Server;
  /** Connections the server was handed ('connection' events). */
  connections(): number;
  /** Requests to /hang that are open now. */
  hanging: Set<http.IncomingMessage>;
}

export function createTestApp(serverOptions: http.ServerOptions = {}): TestApp {
  const app = express();
  const hanging = new Set<http.IncomingMessage>();
  app.post('/echo', (req, res) => {
    res.setHeader('content-type', 'application/octet-stream');
    req.pipe(res);
  });
  app.post('/hash', (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => res.json({ bytes, hash: hash.digest('hex') }));
  });
  app.get('/bulk', (_req, res) => {
    res.setHeader('content-type', 'application/octet-stream');
    res.end(BULK.data);
  });
  app.get('/peer', (req, res) => {
    res.json({ peer: peerOf(req) ?? null, host: req.headers.host, ip: req.ip ?? null });
  });
  app.get('/cut', (req, res) => {
    res.setHeader('content-length', String(BULK.data.length));
    res.write(BULK.data.subarray(0, 1024 * 1024), () => req.socket.destroy());
  });
  app.get('/hang', (req) => {
    hanging.add(req);
    req.socket.once('close', () => hanging.delete(req));
  });
  const server = http.createServer(serverOptions, app);
  let count = 0;
  server.on('connection', () => count++);
  return { server, connections: () => count, hanging };
}

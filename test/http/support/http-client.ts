/** node:http calls through an agent, as promises with bounded waits. */
import * as http from 'node:http';
import { sha256, within } from '../../support/checks.js';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the request went out on a socket the agent had pooled. */
  reused: boolean;
  socket: unknown;
}

/** Makes one request and reads the whole response (bounded by `ms`). */
export function request(url: string, options: http.RequestOptions & { target?: string }, body?: Buffer | Buffer[], ms = 15_000): Promise<Reply> {
  return within(
    ms,
    `${options.method ?? 'GET'} ${url}`,
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reused: req.reusedSocket, socket: req.socket }),
        );
      });
      req.once('error', reject);
      if (Array.isArray(body)) {
        // Streams the body in pieces, each after the previous one was flushed.
        const write = (index: number): void => {
          if (index === body.length) return void req.end();
          req.write(body[index], () => write(index + 1));
        };
        write(0);
      } else {
        req.end(body);
      }
    }),
  );
}

export function hashOf(reply: Reply): string {
  return sha256(reply.body);
}

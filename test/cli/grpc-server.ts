/** The test services (Streaming and Echo from protos/) on a fresh Unix socket, for the CLI tests. */
import { createServer, type RpcServer, type ServerOptions } from '@vmrpc/rpc';
import { socketPath } from '../support/checks.js';
import { EchoService } from '../rpc/generated/vmrpc/echo/v1/echo.js';
import { StreamingService } from '../rpc/generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation, type ServerLog } from '../rpc/streaming-service.js';

export interface TestServer {
  target: string;
  server: RpcServer;
  /** What the Streaming service saw (cancelled calls...). */
  log: ServerLog;
}

export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const target = `unix:${socketPath('cli-grpc')}`;
  const server = createServer(options);
  const log = newLog();
  server.add(StreamingService, streamingImplementation(log));
  server.add(EchoService, {
    say: (request, context) => ({ message: request.message, peer: context.peer }),
    async *repeat(request) {
      for (let index = 0; index < request.count; index++) yield { message: request.message, sequence: BigInt(index) };
    },
  });
  await server.listen(target);
  return { target, server, log };
}

/**
 * The test server for the enclosing describe(): started before its tests, closed after them.
 * The object returned is filled in by the before() hook.
 */
export function useTestServer(options: ServerOptions = {}): TestServer {
  const served = {} as TestServer;
  before(async () => {
    Object.assign(served, await startTestServer(options));
  });
  after(async () => {
    await served.server?.close(0);
  });
  return served;
}

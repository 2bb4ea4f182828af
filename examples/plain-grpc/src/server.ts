/**
 * A stock grpc-js server. The only vmrpc line is `listen(server, target)`, where it had
 * `server.bindAsync('0.0.0.0:50051', ...)` (see README.md for the diff).
 *
 *   node dist/server.js [--listen vsock:any:50051]
 */
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { listen } from '@vmrpc/transport';
import { loadGreeter, type SayHelloRequest, type SayHelloResponse } from './greeter';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { listen: { type: 'string', default: 'vsock:any:50051' } } });
  const server = new grpc.Server();
  server.addService(loadGreeter().service, {
    sayHello(call: grpc.ServerUnaryCall<SayHelloRequest, SayHelloResponse>, callback: grpc.sendUnaryData<SayHelloResponse>) {
      callback(null, { message: `Hello, ${call.request.name}`, peer: call.getPeer() });
    },
  });
  const listener = await listen(server, values.listen);
  console.log(`server: Greeter listening on ${values.listen}`);
  const stop = (): void => void listener.close(1000).then(() => console.log('server: closed'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`server: ${error.message}`);
  process.exitCode = 1;
});

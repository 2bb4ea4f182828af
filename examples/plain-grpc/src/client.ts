/**
 * A stock grpc-js client. The only vmrpc part is `clientOptions(target)`, the third argument of
 * the constructor (see README.md for the diff).
 *
 *   node dist/client.js [--target vsock:3:50051] [--name guest]
 */
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { clientOptions } from '@vmrpc/transport';
import { loadGreeter } from './greeter';

const { values } = parseArgs({ options: { target: { type: 'string', default: 'vsock:3:50051' }, name: { type: 'string', default: 'world' } } });
const Greeter = loadGreeter();
const client = new Greeter(values.target, grpc.credentials.createInsecure(), clientOptions(values.target));

client.sayHello({ name: values.name }, { deadline: Date.now() + 10_000 }, (error, reply) => {
  if (error !== null || reply === undefined) {
    console.error(`client: ${error?.message ?? 'no reply'}`);
    process.exitCode = 1;
  } else {
    console.log(`client: ${reply.message} (the server saw this client as ${reply.peer})`);
  }
  client.close();
});

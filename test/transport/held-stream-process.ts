/**
 * What a vmrpc-engine connection keeps of its finished calls while it idles (h2/last-stream.ts),
 * in a process of its own so that garbage collection can be forced:
 *   node --expose-gc held-stream-process.js
 * A grpc-js server over a Unix socket answers a 1-byte request with 1 KiB and any other with
 * 3 MiB; the client is a grpc-js Client on our channel. Prints one JSON line: whether each
 * response was collected at each step.
 */
import * as grpc from '@grpc/grpc-js';
import { createChannel } from '@vmrpc/transport';
import { setImmediate as turn } from 'node:timers/promises';
import { socketPath } from '../support/checks.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const same = (value: Buffer): Buffer => value;
const method = { path: '/vmrpc.test.Held/Echo', requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same } as const;

const path = socketPath('held-stream');
const server = new grpc.Server({ 'grpc.max_receive_message_length': -1 });
server.addService({ Echo: method }, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => done(null, Buffer.alloc(call.request.length === 1 ? 1024 : 3 << 20, 7)) });
await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
const channel = createChannel(`unix:${path}`, { http2: 'vmrpc', grpc: { 'grpc.max_receive_message_length': -1 } });
const client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: channel });

/** One call; a weak reference to its response. */
async function call(requestBytes: number): Promise<WeakRef<Buffer>> {
  const response = await new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(method.path, same, same, Buffer.alloc(requestBytes, 1), (error, value) => (error ? reject(error) : resolve(value!)));
  });
  return new WeakRef(response);
}

/** Whether `ref`'s object is gone after full collections (a few loop turns first: the stream closes after the callback). */
async function collected(ref: WeakRef<Buffer>): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    await turn();
    gc!();
  }
  return ref.deref() === undefined;
}

const large = await call(16);
const largeCollectedWhileIdle = await collected(large);
const small = await call(1);
const smallHeldWhileIdle = !(await collected(small));
const next = await call(1);
const smallReleasedByNextCall = await collected(small);
client.close();
server.forceShutdown();
const releasedAtClose = await collected(next);
process.stdout.write(`${JSON.stringify({ largeCollectedWhileIdle, smallHeldWhileIdle, smallReleasedByNextCall, releasedAtClose })}\n`);

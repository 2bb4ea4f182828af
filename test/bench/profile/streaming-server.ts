/**
 * The Streaming test service in its own process, for host-cpu.js: `node streaming-server.js TARGET`.
 * Prints "ready" once serving; exits when stdin closes.
 */
import { createServer } from '@vmrpc/rpc';
import { StreamingService } from '../../rpc/generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from '../../rpc/streaming-service.js';

const [target = ''] = process.argv.slice(2);
const server = createServer().add(StreamingService, streamingImplementation(newLog()));
await server.listen(target);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));

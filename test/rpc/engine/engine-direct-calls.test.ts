// A listening GuestAgent with `directCalls: true` serves plain gRPC clients (vmrpc call, any
// grpc-js client) on its listener, with the engine server: the client's HTTP/2 preface was read
// by the listener to tell it from a link preface, and put back for the engine to read.
import * as grpc from '@grpc/grpc-js';
import { GuestAgent } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from '../agent/echo-agent.js';

describe('rpc server on the HTTP/2 engine: direct calls to a listening agent', function () {
  it('a stock grpc-js client calls the agent on its listener, unary and server streaming', async function () {
    const agent = new GuestAgent({ id: 'direct' }).add(EchoService, echoImplementation('direct'));
    const target = `unix:${socketPath('engine-direct')}`;
    await agent.listen(target, { directCalls: true });
    const Echo = grpc.makeGenericClientConstructor(EchoService, 'Echo');
    const client = new Echo(target, grpc.credentials.createInsecure());
    try {
      const answer = await within(5000, 'say', new Promise<Record<string, unknown>>((resolve, reject) => {
        client.say({ message: 'hi' }, (error: grpc.ServiceError | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response)));
      }));
      expect(answer.message).to.equal('direct: hi');
      expect(answer.peer).to.match(/^unix:/);
      const repeated: string[] = [];
      await within(5000, 'repeat', new Promise<void>((resolve, reject) => {
        const call = client.repeat({ message: 'r', count: 3, intervalMs: 1 }) as grpc.ClientReadableStream<{ message: string }>;
        call.on('data', (reply: { message: string }) => repeated.push(reply.message));
        call.on('end', resolve);
        call.on('error', reject);
      }));
      expect(repeated).to.deep.equal(['direct: r #0', 'direct: r #1', 'direct: r #2']);
    } finally {
      client.close();
      await within(5000, 'agent close', agent.close(1000));
    }
  });
});

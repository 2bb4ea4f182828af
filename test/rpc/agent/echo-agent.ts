/** The service test agents serve: Echo (say, repeat) that reports who called. */
import { RpcError, Status, type CallContext } from '@vmrpc/rpc';
import { type EchoServiceImplementation } from '../generated/vmrpc/echo/v1/echo.js';

export function echoImplementation(label: string): EchoServiceImplementation {
  let sequence = 0n;
  return {
    async say(request, context: CallContext) {
      if (request.message === 'fail') throw new RpcError(Status.FAILED_PRECONDITION, `${label} was asked to fail`);
      return { message: `${label}: ${request.message}`, peer: context.peer, sequence: ++sequence };
    },
    async *repeat(request, context: CallContext) {
      for (let i = 0; i < request.count; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, request.intervalMs));
        if (context.signal.aborted) return;
        yield { message: `${label}: ${request.message} #${i}`, peer: context.peer, sequence: BigInt(i) };
      }
    },
  };
}

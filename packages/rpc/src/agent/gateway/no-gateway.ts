/**
 * A call that names an agent (`vmrpc-agent`) but reached the host's own gRPC server came through a
 * listener without the gateway (gateway listeners never hand such calls to it). Served as the
 * host's, it would answer for the host (reflection would list the host's services as if they were
 * the agent's); it is refused instead, saying how to open the gateway. A grpc-js server
 * interceptor runs only for methods the server has, so other methods stay UNIMPLEMENTED.
 */
import { Metadata, ServerInterceptingCall, status as Status, type ServerInterceptor } from '@grpc/grpc-js';
import type { ServerOptions } from '../../server/create-server';
import { GATEWAY_AGENT_METADATA } from './call-headers';

const refuseAgentCalls: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, pass) => {
          const id = metadata.get(GATEWAY_AGENT_METADATA)[0];
          if (id === undefined) return pass(metadata);
          // The call underneath, not this wrapper: the wrapper holds a status back until metadata is passed on.
          call.sendStatus({
            code: Status.FAILED_PRECONDITION,
            details: `the call names agent ${String(id)} (${GATEWAY_AGENT_METADATA}), but this listener of the agent host has no gateway: call the listener opened with { admin: true, gateway: true }`,
            metadata: new Metadata(),
          });
        },
      }),
  });

/** The host's server options with the refusal first among the server's interceptors. */
export function refusingAgentCalls(options: ServerOptions = {}): ServerOptions {
  const grpc = options.grpc ?? {};
  const theirs: unknown = grpc.interceptors;
  return { ...options, grpc: { ...grpc, interceptors: [refuseAgentCalls, ...(Array.isArray(theirs) ? theirs : [])] } };
}

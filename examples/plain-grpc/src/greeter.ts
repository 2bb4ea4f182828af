/** The Greeter service, loaded from its .proto at run time the way proto-loader projects do. */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface SayHelloRequest {
  name: string;
}

export interface SayHelloResponse {
  message: string;
  peer: string;
}

/** A Greeter client as grpc-js builds it, with the method this example calls. */
export interface GreeterClient extends grpc.Client {
  sayHello(request: SayHelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<SayHelloResponse>): grpc.ClientUnaryCall;
}

/** Loaded once: the constructor of Greeter clients, which also carries the service definition. */
export interface GreeterConstructor {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions): GreeterClient;
  readonly service: grpc.ServiceDefinition;
}

const PROTO = join(__dirname, '..', 'proto', 'vmrpc', 'examples', 'greeter', 'v1', 'greeter.proto');

export function loadGreeter(): GreeterConstructor {
  const definition = protoLoader.loadSync(PROTO, { defaults: true });
  const namespace = grpc.loadPackageDefinition(definition) as unknown as { vmrpc: { examples: { greeter: { v1: { Greeter: GreeterConstructor } } } } };
  return namespace.vmrpc.examples.greeter.v1.Greeter;
}

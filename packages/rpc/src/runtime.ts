/**
 * The runtime of @vmrpc/rpc without the code generator and the agents: what generated code
 * imports. The package's own generated code (the agent protocol) imports this module rather
 * than the package index, which would be an import cycle.
 */
export { Metadata } from '@grpc/grpc-js';
export { createChannel, type ChannelTarget, type VmChannelOptions, type ListenOptions, type VmGrpcListener } from '@vmrpc/transport';
export { RpcError, Status, statusName, INTERNAL_ERROR_DETAILS } from './errors';
export type { DeepPartial, JsonObject, JsonValue } from './types';
export type { MetadataInit } from './metadata';
export { defineFile, type ProtoDescriptor, type ProtoFile } from './codec/proto-file';
export type { MessageType } from './codec/message-type';
export * from './codec/well-known';
export { methodDescriptor, methodKind, type AnyMethodDescriptor, type MethodDescriptor, type MethodKind, type RequestOf, type ResponseOf, type ServiceDescriptor } from './descriptor';
export type { CallOptions } from './client/call-options';
export {
  closeClient,
  createClient,
  waitForClientReady,
  type BidiStreamingClientMethod,
  type Client,
  type ClientMethod,
  type ClientOptions,
  type ClientStreamingClientMethod,
  type ServerStreamingClientMethod,
  type UnaryClientMethod,
} from './client/create-client';
export type { CallContext } from './server/context';
export type { BidiStreamingHandler, ClientStreamingHandler, ServerStreamingHandler, UnaryHandler } from './server/handlers';
export type { ServerErrorListener } from './server/status';
export { serverDefaults } from './server/defaults';
export { createServer, type RpcServer, type ServerMethod, type ServerOptions, type ServiceImplementation } from './server/create-server';

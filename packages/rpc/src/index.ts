/**
 * @vmrpc/rpc: typed gRPC services over VM sockets. `vmrpc-gen` turns .proto files into message
 * types and service descriptors; createClient() and createServer() run them over any target
 * @vmrpc/transport reaches (`unix:`, `vsock:`, `hvsock:`, `hybrid-vsock:`).
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
export { createServer, type RpcServer, type ServerMethod, type ServerOptions, type ServiceImplementation } from './server/create-server';
export {
  ServerReflectionService,
  ServerReflectionV1AlphaService,
  type ErrorResponse,
  type ExtensionNumberResponse,
  type ExtensionRequest,
  type FileDescriptorResponse,
  type ListServiceResponse,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  type ServerReflectionServiceDescriptor,
  type ServiceResponse,
} from './reflection/reflection-proto';
/** The version of @vmrpc/rpc. */
export const version = '0.1.0';
export { generate, staleGenerated, writeGenerated, type GenerateOptions, type GeneratedFile } from './codegen/generate';
export { lintProtos, type LintFinding } from './lint/lint';

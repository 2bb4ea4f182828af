/**
 * @vmrpc/rpc: typed gRPC services over VM sockets. `vmrpc-gen` turns .proto files into message
 * types and service descriptors; createClient() and createServer() run them over any target
 * @vmrpc/transport reaches (`unix:`, `vsock:`, `hvsock:`, `hybrid-vsock:`); GuestAgent and
 * AgentHost connect agents in guests with the host that calls them.
 */
export * from './runtime';
export * from './agent';
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
// Internal, for the vmrpc CLI's JSON printer (marked @internal: the API docs tag them so): the
// one patch of protobufjs's prototypes that makes a oneof's last member on the wire win, and its
// reader (codec/oneof-last-wins.ts). Not a public API: either may change in any release.
export { keepLastMembers, lastMemberOf } from './codec/oneof-last-wins';

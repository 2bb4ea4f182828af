/**
 * The gRPC server reflection protocol (grpc/reflection/v1/reflection.proto, and its older twin
 * grpc.reflection.v1alpha with the same messages), defined here rather than generated: both
 * packages come from one descriptor, and the server and `vmrpc list` / `vmrpc call` share it.
 */
import { defineFile, type ProtoDescriptor } from '../codec/proto-file';
import type { MethodDescriptor } from '../descriptor';

/** Asks for the extension of `containingType` with field number `extensionNumber`. */
export interface ExtensionRequest {
  containingType: string;
  extensionNumber: number;
}

/** One request on a ServerReflectionInfo stream; `messageRequest` says what is asked. */
export interface ServerReflectionRequest {
  host: string;
  messageRequest?:
    | { $case: 'fileByFilename'; fileByFilename: string }
    | { $case: 'fileContainingSymbol'; fileContainingSymbol: string }
    | { $case: 'fileContainingExtension'; fileContainingExtension: ExtensionRequest }
    | { $case: 'allExtensionNumbersOfType'; allExtensionNumbersOfType: string }
    | { $case: 'listServices'; listServices: string };
}

/** Serialized google.protobuf.FileDescriptorProto messages: a file and the files it imports. */
export interface FileDescriptorResponse {
  fileDescriptorProto: Uint8Array[];
}

/** The extension field numbers of a message type. */
export interface ExtensionNumberResponse {
  baseTypeName: string;
  extensionNumber: number[];
}

/** A service's fully qualified name. */
export interface ServiceResponse {
  name: string;
}

/** The services a server exposes. */
export interface ListServiceResponse {
  service: ServiceResponse[];
}

/** A request that failed: a gRPC status code and a message. */
export interface ErrorResponse {
  errorCode: number;
  errorMessage: string;
}

/** The answer to one ServerReflectionRequest, in request order. */
export interface ServerReflectionResponse {
  validHost: string;
  originalRequest?: ServerReflectionRequest;
  messageResponse?:
    | { $case: 'fileDescriptorResponse'; fileDescriptorResponse: FileDescriptorResponse }
    | { $case: 'allExtensionNumbersResponse'; allExtensionNumbersResponse: ExtensionNumberResponse }
    | { $case: 'listServicesResponse'; listServicesResponse: ListServiceResponse }
    | { $case: 'errorResponse'; errorResponse: ErrorResponse };
}

/** A reflection service: its one bidi method, `ServerReflectionInfo`. */
export type ServerReflectionServiceDescriptor = {
  readonly serverReflectionInfo: MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse, true, true>;
};

function field(type: string, id: number, repeated = false): object {
  return repeated ? { rule: 'repeated', type, id } : { type, id };
}

// In protobufjs JSON form with camelCase names, as vmrpc-gen embeds descriptors.
function reflectionDescriptor(packageName: string): ProtoDescriptor {
  const messages = {
    ServerReflectionRequest: {
      oneofs: { messageRequest: { oneof: ['fileByFilename', 'fileContainingSymbol', 'fileContainingExtension', 'allExtensionNumbersOfType', 'listServices'] } },
      fields: {
        host: field('string', 1),
        fileByFilename: field('string', 3),
        fileContainingSymbol: field('string', 4),
        fileContainingExtension: field('ExtensionRequest', 5),
        allExtensionNumbersOfType: field('string', 6),
        listServices: field('string', 7),
      },
    },
    ExtensionRequest: { fields: { containingType: field('string', 1), extensionNumber: field('int32', 2) } },
    ServerReflectionResponse: {
      oneofs: { messageResponse: { oneof: ['fileDescriptorResponse', 'allExtensionNumbersResponse', 'listServicesResponse', 'errorResponse'] } },
      fields: {
        validHost: field('string', 1),
        originalRequest: field('ServerReflectionRequest', 2),
        fileDescriptorResponse: field('FileDescriptorResponse', 4),
        allExtensionNumbersResponse: field('ExtensionNumberResponse', 5),
        listServicesResponse: field('ListServiceResponse', 6),
        errorResponse: field('ErrorResponse', 7),
      },
    },
    FileDescriptorResponse: { fields: { fileDescriptorProto: field('bytes', 1, true) } },
    ExtensionNumberResponse: { fields: { baseTypeName: field('string', 1), extensionNumber: field('int32', 2, true) } },
    ListServiceResponse: { fields: { service: field('ServiceResponse', 1, true) } },
    ServiceResponse: { fields: { name: field('string', 1) } },
    ErrorResponse: { fields: { errorCode: field('int32', 1), errorMessage: field('string', 2) } },
  };
  // Nest the messages under the package's namespaces (grpc > reflection > v1).
  let nested: { [name: string]: object } = messages;
  for (const part of packageName.split('.').reverse()) nested = { [part]: { nested } };
  return { nested };
}

function reflectionService(packageName: string): ServerReflectionServiceDescriptor {
  const file = defineFile(reflectionDescriptor(packageName));
  const request = file.message<ServerReflectionRequest>(`${packageName}.ServerReflectionRequest`);
  const response = file.message<ServerReflectionResponse>(`${packageName}.ServerReflectionResponse`);
  return { serverReflectionInfo: file.bidiStreaming(`${packageName}.ServerReflection`, 'ServerReflectionInfo', request, response) };
}

/** `grpc.reflection.v1.ServerReflection`: what current clients (grpcurl, grpc_cli, vmrpc) ask first. */
export const ServerReflectionService: ServerReflectionServiceDescriptor = reflectionService('grpc.reflection.v1');

/** `grpc.reflection.v1alpha.ServerReflection`: the same protocol under its older name, for older clients. */
export const ServerReflectionV1AlphaService: ServerReflectionServiceDescriptor = reflectionService('grpc.reflection.v1alpha');

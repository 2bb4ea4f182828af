/**
 * The server reflection service: answers each request of a ServerReflectionInfo stream, in
 * order, from the FileIndex of the services the server was given. Extensions do not exist in
 * proto3, so extension queries answer NOT_FOUND (or an empty list for a known message type).
 */
import { Status } from '../errors';
import type { ServiceImplementation } from '../server/implementation';
import type { DeepPartial } from '../types';
import type { FileIndex } from './file-index';
import type { ServerReflectionRequest, ServerReflectionResponse, ServerReflectionServiceDescriptor } from './reflection-proto';

type Answer = DeepPartial<ServerReflectionResponse>['messageResponse'];

function error(code: Status, message: string): Answer {
  return { $case: 'errorResponse', errorResponse: { errorCode: code, errorMessage: message } };
}

function files(found: Buffer[] | undefined, what: string): Answer {
  return found === undefined ? error(Status.NOT_FOUND, `${what} not found`) : { $case: 'fileDescriptorResponse', fileDescriptorResponse: { fileDescriptorProto: found } };
}

/** The answer to one reflection request. */
export function answerReflectionRequest(index: FileIndex, request: ServerReflectionRequest): Answer {
  const asked = request.messageRequest;
  switch (asked?.$case) {
    case 'listServices':
      return { $case: 'listServicesResponse', listServicesResponse: { service: index.serviceNames.map((name) => ({ name })) } };
    case 'fileByFilename':
      return files(index.fileByName(asked.fileByFilename), `file ${asked.fileByFilename}`);
    case 'fileContainingSymbol':
      return files(index.fileContainingSymbol(asked.fileContainingSymbol), `symbol ${asked.fileContainingSymbol}`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = asked.fileContainingExtension;
      return error(Status.NOT_FOUND, `extension ${extensionNumber} of ${containingType} not found`);
    }
    case 'allExtensionNumbersOfType': {
      const typeName = asked.allExtensionNumbersOfType.replace(/^\./, '');
      if (!index.hasMessageType(typeName)) return error(Status.NOT_FOUND, `type ${typeName} not found`);
      return { $case: 'allExtensionNumbersResponse', allExtensionNumbersResponse: { baseTypeName: typeName, extensionNumber: [] } };
    }
    case undefined:
      return error(Status.INVALID_ARGUMENT, 'the request asks for nothing');
  }
}

/** The ServerReflectionInfo implementation; `index()` is read per request, so services added later are seen. */
export function reflectionImplementation(index: () => FileIndex): ServiceImplementation<ServerReflectionServiceDescriptor> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield { validHost: request.host, originalRequest: request, messageResponse: answerReflectionRequest(index(), request) };
      }
    },
  };
}

/**
 * A gRPC server reflection client: grpc.reflection.v1 first, v1alpha when the server does not
 * implement v1 (older servers). Each question is one short ServerReflectionInfo stream.
 */
import type { ChannelInterface } from '@grpc/grpc-js';
import {
  RpcError,
  ServerReflectionService,
  ServerReflectionV1AlphaService,
  Status,
  closeClient,
  createClient,
  type CallOptions,
  type DeepPartial,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  type ServerReflectionServiceDescriptor,
} from '@vmrpc/rpc';
import type { Root } from 'protobufjs';
import { decodeFileDescriptor, rootFromFileDescriptors, type FileDescriptor } from './descriptor-root';
import { serviceNotFound } from './methods';

type Answer = NonNullable<ServerReflectionResponse['messageResponse']>;

const NOT_SERVED = 'the server does not serve gRPC reflection (grpc.reflection.v1 or v1alpha): pass its .proto files with --proto (and -I)';

export class ReflectionClient {
  private service: ServerReflectionServiceDescriptor | undefined;

  constructor(
    private readonly channel: ChannelInterface,
    private readonly callOptions: CallOptions = {},
  ) {}

  /** The names of the services the server lists. */
  async listServices(): Promise<string[]> {
    const answer = await this.ask({ messageRequest: { $case: 'listServices', listServices: '' } });
    if (answer.$case === 'errorResponse') throw refused(answer);
    if (answer.$case !== 'listServicesResponse') throw unexpected(answer);
    return answer.listServicesResponse.service.map((service) => service.name);
  }

  /**
   * A Root with the file that defines service `symbol` and every file it imports. A symbol the
   * server does not know is a CliError naming the services it lists (exit 1, as with --proto):
   * the reflection stream's answer, not a status the call ended with.
   */
  async rootForSymbol(symbol: string): Promise<Root> {
    const files = new Map<string, FileDescriptor>();
    const first = await this.ask({ messageRequest: { $case: 'fileContainingSymbol', fileContainingSymbol: symbol } });
    if (first.$case === 'errorResponse' && first.errorResponse.errorCode === Status.NOT_FOUND) throw serviceNotFound(symbol, await this.listServices());
    this.add(files, first);
    // Servers may leave out imports they sent earlier on the same stream: ask for what is missing.
    for (let missing = missingImports(files); missing.length > 0; missing = missingImports(files)) {
      for (const name of missing) this.add(files, await this.ask({ messageRequest: { $case: 'fileByFilename', fileByFilename: name } }));
    }
    return rootFromFileDescriptors([...files.values()]);
  }

  private add(files: Map<string, FileDescriptor>, answer: Answer): void {
    if (answer.$case === 'errorResponse') throw refused(answer);
    if (answer.$case !== 'fileDescriptorResponse') throw unexpected(answer);
    for (const bytes of answer.fileDescriptorResponse.fileDescriptorProto) {
      const file = decodeFileDescriptor(bytes);
      if (!files.has(file.name)) files.set(file.name, file);
    }
  }

  private async ask(request: DeepPartial<ServerReflectionRequest>): Promise<Answer> {
    for (const service of this.service === undefined ? [ServerReflectionService, ServerReflectionV1AlphaService] : [this.service]) {
      const client = createClient(service, this.channel);
      try {
        let answer: Answer | undefined;
        for await (const response of client.serverReflectionInfo([request], this.callOptions)) answer ??= response.messageResponse;
        this.service = service;
        if (answer === undefined) throw new RpcError(Status.INTERNAL, 'the reflection service answered nothing');
        return answer;
      } catch (error) {
        if (!(RpcError.is(error) && error.code === Status.UNIMPLEMENTED && this.service === undefined)) throw error;
      } finally {
        closeClient(client);
      }
    }
    throw new RpcError(Status.UNIMPLEMENTED, NOT_SERVED);
  }
}

function missingImports(files: ReadonlyMap<string, FileDescriptor>): string[] {
  const missing = new Set<string>();
  for (const file of files.values()) for (const name of file.dependency) if (!files.has(name)) missing.add(name);
  return [...missing];
}

/** An error the reflection service answered in-band (the stream itself ended OK). */
function refused(answer: Extract<Answer, { $case: 'errorResponse' }>): RpcError {
  return new RpcError(answer.errorResponse.errorCode, answer.errorResponse.errorMessage);
}

function unexpected(answer: Answer): RpcError {
  return new RpcError(Status.INTERNAL, `the reflection service answered with ${answer.$case}`);
}

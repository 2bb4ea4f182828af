/**
 * The files server reflection answers with. Generated modules embed their types but not the
 * .proto file layout, so the files are rebuilt: a package's services in one file named after it
 * (`vmrpc/echo/v1.proto` for package vmrpc.echo.v1), the types in files of their own, one per
 * set of types that refer to each other in a cycle (type-groups.ts), the well-known types under
 * their usual names (`google/protobuf/timestamp.proto`). Imports follow the type references and
 * never form a cycle, which protoc's DescriptorPool (grpc_cli, Python) would refuse.
 */
import { Enum, Type } from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { reflectionTypeOf } from '../codec/message-type';
import type { ServiceDescriptor } from '../descriptor';
import { enumDescriptor, messageDescriptor, referencedTypes, type DescriptorObject } from './descriptor-proto';
import { packageOf, servicesFileName, topLevel, typeGroups } from './type-groups';

/** One RPC as reflection describes it. */
export interface ReflectedMethod {
  readonly name: string;
  readonly requestType: Type;
  readonly responseType: Type;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
}

/** A service as reflection describes it: its full name (`vmrpc.echo.v1.Echo`) and methods. */
export interface ReflectedService {
  readonly fullName: string;
  readonly methods: readonly ReflectedMethod[];
}

/** The reflection view of a service descriptor, or undefined if its types did not come from vmrpc-gen code. */
export function reflectedService(service: ServiceDescriptor): ReflectedService | undefined {
  let fullName: string | undefined;
  const methods: ReflectedMethod[] = [];
  for (const method of Object.values(service)) {
    const [, serviceName] = method.path.split('/');
    const requestType = reflectionTypeOf(method.requestType);
    const responseType = reflectionTypeOf(method.responseType);
    if (serviceName === undefined || requestType === undefined || responseType === undefined) return undefined;
    fullName = serviceName;
    methods.push({ name: method.originalName, requestType, responseType, clientStreaming: method.requestStream, serverStreaming: method.responseStream });
  }
  return fullName === undefined ? undefined : { fullName, methods };
}

interface FileContent {
  readonly name: string;
  readonly packageName: string;
  readonly syntax: 'proto2' | 'proto3';
  readonly types: ReadonlyArray<Type | Enum>;
  readonly services: ReflectedService[];
  readonly dependencies: Set<string>;
}

/** The reflection files of a set of services, with lookups by file name and by symbol. */
export class FileIndex {
  private readonly files = new Map<string, FileContent>();
  private readonly symbols = new Map<string, string>();
  private readonly encoded = new Map<string, Buffer>();
  private readonly typeNames = new Set<string>();
  readonly serviceNames: readonly string[];

  constructor(services: readonly ReflectedService[]) {
    const byName = new Map<string, ReflectedService>();
    for (const service of services) if (!byName.has(service.fullName)) byName.set(service.fullName, service);
    this.serviceNames = [...byName.keys()].sort();
    const roots = [...byName.values()].flatMap((service) => service.methods.flatMap((method) => [method.requestType, method.responseType]));
    const groups = typeGroups(roots);
    for (const group of groups) {
      this.files.set(group.fileName, { name: group.fileName, packageName: group.packageName, syntax: group.syntax, types: group.types, services: [], dependencies: new Set() });
      for (const type of group.types) this.addSymbols(type, group.fileName);
    }
    for (const group of groups) {
      const file = this.files.get(group.fileName)!;
      for (const type of group.types) if (type instanceof Type) for (const referenced of referencedTypes(type)) this.dependOn(file, referenced);
    }
    for (const service of byName.values()) {
      const packageName = packageOf(service.fullName);
      const name = servicesFileName(packageName);
      let file = this.files.get(name);
      if (file === undefined) this.files.set(name, (file = { name, packageName, syntax: 'proto3', types: [], services: [], dependencies: new Set() }));
      file.services.push(service);
      this.symbols.set(service.fullName, name);
      for (const method of service.methods) {
        this.symbols.set(`${service.fullName}.${method.name}`, name);
        for (const type of [method.requestType, method.responseType]) this.dependOn(file, type);
      }
    }
  }

  /** The serialized FileDescriptorProto of `fileName` followed by those of every file it imports, or undefined. */
  fileByName(fileName: string): Buffer[] | undefined {
    if (!this.files.has(fileName)) return undefined;
    const order: string[] = [];
    const visit = (name: string): void => {
      if (order.includes(name)) return;
      order.push(name);
      for (const dependency of this.files.get(name)!.dependencies) visit(dependency);
    };
    visit(fileName);
    return order.map((name) => this.encode(name));
  }

  /** The file defining a service, method, message or enum (full name, no leading dot) and its imports, or undefined. */
  fileContainingSymbol(symbol: string): Buffer[] | undefined {
    const fileName = this.symbols.get(symbol.startsWith('.') ? symbol.slice(1) : symbol);
    return fileName === undefined ? undefined : this.fileByName(fileName);
  }

  /** True if `typeName` (no leading dot) is a message type described here. */
  hasMessageType(typeName: string): boolean {
    return this.typeNames.has(typeName);
  }

  private dependOn(file: FileContent, type: Type | Enum): void {
    const dependency = this.symbols.get(topLevel(type).fullName.slice(1))!;
    if (dependency !== file.name) file.dependencies.add(dependency);
  }

  private addSymbols(type: Type | Enum, fileName: string): void {
    const fullName = type.fullName.slice(1);
    this.symbols.set(fullName, fileName);
    if (!(type instanceof Type)) return;
    this.typeNames.add(fullName);
    for (const nested of type.nestedArray) if (nested instanceof Type || nested instanceof Enum) this.addSymbols(nested, fileName);
  }

  private encode(fileName: string): Buffer {
    let bytes = this.encoded.get(fileName);
    if (bytes === undefined) {
      const file = this.files.get(fileName)!;
      const types = [...file.types].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const proto: DescriptorObject = {
        name: file.name,
        dependency: [...file.dependencies].sort(),
        messageType: types.filter((type): type is Type => type instanceof Type).map(messageDescriptor),
        enumType: types.filter((type): type is Enum => type instanceof Enum).map(enumDescriptor),
        service: file.services.map((service) => ({
          name: service.fullName.slice(file.packageName === '' ? 0 : file.packageName.length + 1),
          method: service.methods.map((method) => ({
            name: method.name,
            inputType: method.requestType.fullName,
            outputType: method.responseType.fullName,
            ...(method.clientStreaming ? { clientStreaming: true } : {}),
            ...(method.serverStreaming ? { serverStreaming: true } : {}),
          })),
        })),
        syntax: file.syntax,
      };
      if (file.packageName !== '') proto.package = file.packageName;
      bytes = Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(proto)).finish());
      this.encoded.set(fileName, bytes);
    }
    return bytes;
  }
}

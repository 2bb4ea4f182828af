/**
 * The files server reflection answers with. Generated modules embed their types but not the
 * .proto file layout, so the files are rebuilt: one per package (`vmrpc/echo/v1.proto` for
 * package vmrpc.echo.v1), holding that package's services and every message and enum they
 * reach, and the well-known types under their usual names (`google/protobuf/timestamp.proto`).
 * Imports between the files follow the type references.
 */
import { Enum, Type } from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { reflectionTypeOf } from '../codec/message-type';
import type { ServiceDescriptor } from '../descriptor';
import { enumDescriptor, messageDescriptor, referencedTypes, syntaxOf, type DescriptorObject } from './descriptor-proto';

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

// The files protoc's well-known types live in.
const WELL_KNOWN_FILES: { readonly [typeName: string]: string } = {
  Any: 'any',
  Api: 'api',
  Method: 'api',
  Mixin: 'api',
  Duration: 'duration',
  Empty: 'empty',
  FieldMask: 'field_mask',
  SourceContext: 'source_context',
  Struct: 'struct',
  Value: 'struct',
  ListValue: 'struct',
  NullValue: 'struct',
  Timestamp: 'timestamp',
  DoubleValue: 'wrappers',
  FloatValue: 'wrappers',
  Int64Value: 'wrappers',
  UInt64Value: 'wrappers',
  Int32Value: 'wrappers',
  UInt32Value: 'wrappers',
  BoolValue: 'wrappers',
  StringValue: 'wrappers',
  BytesValue: 'wrappers',
};

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

function packageOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}

/** The outermost message or enum that contains `type` (itself if it is top level). */
function topLevel(type: Type | Enum): Type | Enum {
  let current = type;
  while (current.parent instanceof Type) current = current.parent;
  return current;
}

function fileNameFor(packageName: string, topLevelName: string): string {
  const wellKnown = packageName === 'google.protobuf' ? WELL_KNOWN_FILES[topLevelName] : undefined;
  if (wellKnown !== undefined) return `google/protobuf/${wellKnown}.proto`;
  return packageName === '' ? 'default.proto' : `${packageName.replace(/\./g, '/')}.proto`;
}

interface FileContent {
  readonly name: string;
  readonly packageName: string;
  /** The syntax of its types' source files (set by the first type; a file of services only is proto3). */
  syntax?: 'proto2' | 'proto3';
  readonly types: Map<string, Type | Enum>;
  readonly services: ReflectedService[];
  readonly dependencies: Set<string>;
}

/** The reflection files of a set of services, with lookups by file name and by symbol. */
export class FileIndex {
  private readonly files = new Map<string, FileContent>();
  private readonly symbols = new Map<string, string>();
  private readonly encoded = new Map<string, Buffer>();
  private readonly typeNames = new Set<string>();
  /** The syntaxes of the source files of each package's types (two: the package is served as two files). */
  private readonly syntaxes = new Map<string, Set<'proto2' | 'proto3'>>();
  readonly serviceNames: readonly string[];

  constructor(services: readonly ReflectedService[]) {
    const byName = new Map<string, ReflectedService>();
    for (const service of services) if (!byName.has(service.fullName)) byName.set(service.fullName, service);
    this.serviceNames = [...byName.keys()].sort();
    this.collectSyntaxes(byName.values());
    for (const service of byName.values()) {
      const file = this.fileFor(packageOf(service.fullName), service.fullName.slice(packageOf(service.fullName).length + 1));
      file.services.push(service);
      this.symbols.set(service.fullName, file.name);
      for (const method of service.methods) {
        this.symbols.set(`${service.fullName}.${method.name}`, file.name);
        for (const type of [method.requestType, method.responseType]) this.dependOn(file, this.addType(type));
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

  /**
   * The file of a package's services or (with `syntax`) types. A package with types from a proto2
   * and a proto3 file has its types in `<package>.proto2.proto` and `<package>.proto3.proto` (the
   * syntax is per file), its services in `<package>.proto`, importing them: no import cycle.
   */
  private fileFor(packageName: string, topLevelName: string, syntax?: 'proto2' | 'proto3'): FileContent {
    let name = fileNameFor(packageName, topLevelName);
    if (syntax !== undefined && (this.syntaxes.get(packageName)?.size ?? 0) > 1) name = `${name.slice(0, -'.proto'.length)}.${syntax}.proto`;
    let file = this.files.get(name);
    if (file === undefined) {
      file = { name, packageName, types: new Map(), services: [], dependencies: new Set() };
      this.files.set(name, file);
    }
    file.syntax ??= syntax;
    return file;
  }

  private collectSyntaxes(services: Iterable<ReflectedService>): void {
    const seen = new Set<Type | Enum>();
    const visit = (type: Type | Enum): void => {
      const top = topLevel(type);
      if (seen.has(top)) return;
      seen.add(top);
      const packageName = packageOf(top.fullName.slice(1));
      let syntaxes = this.syntaxes.get(packageName);
      if (syntaxes === undefined) this.syntaxes.set(packageName, (syntaxes = new Set()));
      syntaxes.add(syntaxOf(top));
      if (top instanceof Type) for (const referenced of referencedTypes(top)) visit(referenced);
    };
    for (const service of services) for (const method of service.methods) for (const type of [method.requestType, method.responseType]) visit(type);
  }

  private dependOn(file: FileContent, dependency: string): void {
    if (dependency !== file.name) file.dependencies.add(dependency);
  }

  /** Adds the top-level type around `type` and everything it references; returns its file name. */
  private addType(type: Type | Enum): string {
    const top = topLevel(type);
    const fullName = top.fullName.slice(1);
    const known = this.symbols.get(fullName);
    if (known !== undefined) return known;
    const file = this.fileFor(packageOf(fullName), top.name, syntaxOf(top));
    file.types.set(fullName, top);
    this.addSymbols(top, file.name);
    if (top instanceof Type) for (const referenced of referencedTypes(top)) this.dependOn(file, this.addType(referenced));
    return file.name;
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
      const types = [...file.types.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
        syntax: file.syntax ?? 'proto3',
      };
      if (file.packageName !== '') proto.package = file.packageName;
      bytes = Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(proto)).finish());
      this.encoded.set(fileName, bytes);
    }
    return bytes;
  }
}

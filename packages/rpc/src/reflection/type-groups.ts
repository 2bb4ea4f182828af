/**
 * Which reflection file each top-level type is served in. protoc's files cannot import each other
 * in a cycle, so types that refer to each other in a cycle always come from one source file (one
 * package, one syntax): serving each strongly connected set of top-level types as its own file
 * gives files whose imports have no cycle, whatever the sources were. A set's file is named after
 * its first type (`vmrpc/echo/v1/SayRequest.proto`), so the name depends on the types only, not
 * on which services a server has.
 */
import { Enum, Type } from 'protobufjs';
import { referencedTypes, syntaxOf } from './descriptor-proto';

/** One served file of types: its name, package, syntax and top-level types. */
export interface TypeGroup {
  readonly fileName: string;
  readonly packageName: string;
  readonly syntax: 'proto2' | 'proto3';
  readonly types: ReadonlyArray<Type | Enum>;
}

// The files protoc's well-known types live in (google.protobuf.<name>).
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

export function packageOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? '' : fullName.slice(0, dot);
}

/** The outermost message or enum that contains `type` (itself if it is top level). */
export function topLevel(type: Type | Enum): Type | Enum {
  let current = type;
  while (current.parent instanceof Type) current = current.parent;
  return current;
}

/**
 * Each generated module embeds its own copy of the types it uses, so one type can come as several
 * objects: the first one seen of each full name stands for all.
 */
class Canonical {
  private readonly byName = new Map<string, Type | Enum>();

  of(type: Type | Enum): Type | Enum {
    const top = topLevel(type);
    const known = this.byName.get(top.fullName);
    if (known !== undefined) return known;
    this.byName.set(top.fullName, top);
    return top;
  }

  /** The top-level types `type` (nested types included) refers to, itself left out. */
  neighbours(type: Type | Enum): Array<Type | Enum> {
    if (!(type instanceof Type)) return [];
    return [...new Set(referencedTypes(type).map((other) => this.of(other)))].filter((other) => other !== type);
  }
}

const byFullName = (a: Type | Enum, b: Type | Enum): number => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0);

/** The strongly connected sets of the top-level types reached from `roots` (Tarjan's algorithm). */
function stronglyConnected(roots: Iterable<Type | Enum>): Array<Array<Type | Enum>> {
  const index = new Map<Type | Enum, number>();
  const low = new Map<Type | Enum, number>();
  const stack: Array<Type | Enum> = [];
  const onStack = new Set<Type | Enum>();
  const sets: Array<Array<Type | Enum>> = [];
  const canonical = new Canonical();
  const visit = (type: Type | Enum): void => {
    index.set(type, index.size);
    low.set(type, index.get(type)!);
    stack.push(type);
    onStack.add(type);
    for (const next of canonical.neighbours(type)) {
      if (!index.has(next)) {
        visit(next);
        low.set(type, Math.min(low.get(type)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(type, Math.min(low.get(type)!, index.get(next)!));
      }
    }
    if (low.get(type) !== index.get(type)) return;
    const set: Array<Type | Enum> = [];
    let member: Type | Enum;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      set.push(member);
    } while (member !== type);
    sets.push(set.sort(byFullName));
  };
  for (const root of roots) {
    const top = canonical.of(root);
    if (!index.has(top)) visit(top);
  }
  return sets;
}

/** The name of the file serving a set of types whose first (by full name) is `first`. */
function groupFileName(first: Type | Enum): string {
  const fullName = first.fullName.slice(1);
  const packageName = packageOf(fullName);
  const wellKnown = packageName === 'google.protobuf' ? WELL_KNOWN_FILES[first.name] : undefined;
  if (wellKnown !== undefined) return `google/protobuf/${wellKnown}.proto`;
  return `${fullName.replace(/\./g, '/')}.proto`;
}

/**
 * The served files of the types reached from `roots`. The well-known types keep protoc's files
 * (several sets share wrappers.proto; protoc's layout has no cycle either).
 */
export function typeGroups(roots: Iterable<Type | Enum>): TypeGroup[] {
  const groups = new Map<string, { fileName: string; packageName: string; syntax: 'proto2' | 'proto3'; types: Array<Type | Enum> }>();
  for (const set of stronglyConnected(roots)) {
    const first = set[0]!;
    const fileName = groupFileName(first);
    let group = groups.get(fileName);
    if (group === undefined) {
      group = { fileName, packageName: packageOf(first.fullName.slice(1)), syntax: syntaxOf(first), types: [] };
      groups.set(fileName, group);
    }
    group.types.push(...set);
  }
  return [...groups.values()];
}

/** The name of the file serving a package's services: `vmrpc/echo/v1.proto` for vmrpc.echo.v1. */
export function servicesFileName(packageName: string): string {
  return packageName === '' ? 'default.proto' : `${packageName.replace(/\./g, '/')}.proto`;
}

/** Names in generated TypeScript. */
import { Namespace, Service, Type, Enum, type ReflectionObject } from 'protobufjs';

/** Globals generated code relies on; a proto type of the same name gets a trailing underscore. */
const RESERVED = new Set(['Array', 'BigInt', 'Boolean', 'Buffer', 'Date', 'Error', 'Number', 'Object', 'Promise', 'String', 'Symbol', 'Uint8Array', 'file']);

/** True for a plain package namespace (not a message, enum or service). */
export function isPackage(object: ReflectionObject | null): boolean {
  return object instanceof Namespace && !(object instanceof Type) && !(object instanceof Service);
}

/** The proto package a definition lives in (`vmrpc.echo.v1`). */
export function packageOf(object: ReflectionObject): string {
  let parent = object.parent;
  while (parent !== null && !isPackage(parent)) parent = parent.parent;
  return parent === null ? '' : parent.fullName.replace(/^\./, '');
}

/** The top-level message or enum that holds a definition (itself when top-level). */
export function topLevelOf(object: ReflectionObject): ReflectionObject {
  let current = object;
  while (current.parent !== null && !isPackage(current.parent)) current = current.parent;
  return current;
}

/** A type's TypeScript name: its path below the package joined with `_` (Outer_Inner). */
export function typeName(object: Type | Enum): string {
  const parts: string[] = [];
  let current: ReflectionObject | null = object;
  while (current !== null && !isPackage(current)) {
    parts.unshift(current.name);
    current = current.parent;
  }
  const name = parts.join('_');
  return RESERVED.has(name) ? `${name}_` : name;
}

/** The same name qualified by package, for imports that would clash (vmrpc_other_v1_Thing). */
export function qualifiedTypeName(object: Type | Enum): string {
  const pkg = packageOf(object);
  return pkg === '' ? typeName(object) : `${pkg.replace(/\./g, '_')}_${typeName(object)}`;
}

export function serviceConstName(service: Service): string {
  return service.name.endsWith('Service') ? service.name : `${service.name}Service`;
}

export function methodKey(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** The full name without the leading dot. */
export function protoName(object: ReflectionObject): string {
  return object.fullName.replace(/^\./, '');
}

/** A string literal for generated code. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A path from one generated module to another, as an import specifier. */
export function relativeImport(from: string, to: string): string {
  const fromParts = from.split('/').slice(0, -1);
  const toParts = to.split('/');
  let common = 0;
  while (common < fromParts.length && common < toParts.length - 1 && fromParts[common] === toParts[common]) common++;
  const up = fromParts.length - common;
  const rest = toParts.slice(common).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}

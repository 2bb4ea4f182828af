/**
 * The JSON descriptor embedded in a generated file: the file's messages and enums plus every
 * top-level definition they reach (other files', well-known types), so the file needs no other
 * descriptor at run time. Sorted by full name for stable output.
 */
import { Enum, Type, util, type INamespace, type IType, type ReflectionObject, type Service } from 'protobufjs';
import { isPackage, topLevelOf } from './naming';

function reachedBy(type: Type, visit: (object: ReflectionObject) => void): void {
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.resolvedType !== null) visit(topLevelOf(field.resolvedType));
  }
  for (const nested of type.nestedArray) if (nested instanceof Type) reachedBy(nested, visit);
}

/**
 * protobufjs bundles some well-known types with snake_case field names (Any.type_url); the
 * codec and the TypeScript types use lowerCamelCase everywhere, so the descriptor does too.
 */
function camelCaseFields(json: IType): IType {
  const fields: IType['fields'] = {};
  for (const [name, field] of Object.entries(json.fields)) fields[util.camelCase(name)] = field;
  const result: IType = { ...json, fields };
  if (json.oneofs !== undefined) {
    result.oneofs = {};
    for (const [name, oneof] of Object.entries(json.oneofs)) result.oneofs[name] = { ...oneof, oneof: oneof.oneof.map((member) => util.camelCase(member)) };
  }
  if (json.nested !== undefined) {
    result.nested = {};
    for (const [name, nested] of Object.entries(json.nested)) result.nested[name] = 'fields' in nested ? camelCaseFields(nested as IType) : nested;
  }
  return result;
}

export function descriptorJson(definitions: readonly ReflectionObject[], services: readonly Service[]): INamespace {
  const included = new Map<string, Type | Enum>();
  const visit = (object: ReflectionObject): void => {
    if (!(object instanceof Type || object instanceof Enum) || included.has(object.fullName)) return;
    included.set(object.fullName, object);
    if (object instanceof Type) reachedBy(object, visit);
  };
  for (const definition of definitions) visit(definition);
  for (const service of services) {
    for (const method of service.methodsArray) {
      method.resolve();
      if (method.resolvedRequestType !== null) visit(topLevelOf(method.resolvedRequestType));
      if (method.resolvedResponseType !== null) visit(topLevelOf(method.resolvedResponseType));
    }
  }
  const root: INamespace = {};
  for (const name of [...included.keys()].sort()) {
    const object = included.get(name)!;
    let namespace = root;
    const packages: string[] = [];
    for (let parent = object.parent; parent !== null && isPackage(parent) && parent.parent !== null; parent = parent.parent) packages.unshift(parent.name);
    for (const part of packages) {
      namespace.nested ??= {};
      namespace = (namespace.nested[part] ??= {}) as INamespace;
    }
    namespace.nested ??= {};
    namespace.nested[object.name] = object instanceof Type ? camelCaseFields(object.toJSON()) : object.toJSON();
  }
  return root;
}


/**
 * A message becomes an interface (the full value receivers get) and a MessageType const of the
 * same name (its codec). Nested messages and enums follow their parent as Outer_Inner.
 */
import { Enum, Type, type Field } from 'protobufjs';
import { isRealOneof } from '../codec/oneof-last-wins';
import { docComment } from './comments';
import { emitEnum } from './emit-enum';
import type { FileScope } from './imports';
import { protoName, quote, typeName } from './naming';
import { fieldType } from './type-map';

function propertyName(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}

function emitFields(type: Type, scope: FileScope): string[] {
  const lines: string[] = [];
  const oneofsDone = new Set<string>();
  for (const field of type.fieldsArray) {
    // An extension's field (`extend Foo { ... }`) is not in the embedded descriptor: never decoded, so not declared.
    if (field.declaringField !== null) continue;
    if (isRealOneof(field)) {
      const oneof = field.partOf!;
      if (oneofsDone.has(oneof.name)) continue;
      oneofsDone.add(oneof.name);
      const members = oneof.fieldsArray.map((member: Field) => `{ $case: ${quote(member.name)}; ${propertyName(member.name)}: ${fieldType(member, scope)} }`);
      lines.push(...docComment(oneof.comment, '  '), `  ${propertyName(oneof.name)}?:`, ...members.map((member, index) => `    | ${member}${index === members.length - 1 ? ';' : ''}`));
      continue;
    }
    const optional = field.partOf !== null || (!field.repeated && !field.map && field.resolvedType instanceof Type);
    lines.push(...docComment(field.comment, '  '), `  ${propertyName(field.name)}${optional ? '?' : ''}: ${fieldType(field, scope)};`);
  }
  return lines;
}

/** The message, then its nested enums and messages, depth first. */
export function emitMessage(type: Type, scope: FileScope): string[] {
  const name = typeName(type);
  const messageType = scope.useRuntime('MessageType');
  const fields = emitFields(type, scope);
  const lines = [...docComment(type.comment ?? `The ${protoName(type)} message.`)];
  if (fields.length === 0) lines.push(`export interface ${name} {}`);
  else lines.push(`export interface ${name} {`, ...fields, '}');
  lines.push(`/** Encodes, decodes and converts ${protoName(type)} messages. */`, `export const ${name}: ${messageType}<${name}> = file.message<${name}>(${quote(protoName(type))});`);
  for (const nested of type.nestedArray) {
    if (nested instanceof Enum) lines.push('', ...emitEnum(nested));
    else if (nested instanceof Type && !isMapEntry(nested)) lines.push('', ...emitMessage(nested, scope));
  }
  return lines;
}

function isMapEntry(type: Type): boolean {
  return type.options?.map_entry === true;
}

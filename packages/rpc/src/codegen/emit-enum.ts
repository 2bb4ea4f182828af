/** Enums become TypeScript numeric enums; unknown values received stay plain numbers. */
import type { Enum } from 'protobufjs';
import { docComment } from './comments';
import { typeName } from './naming';

export function emitEnum(enumType: Enum): string[] {
  const lines = [...docComment(enumType.comment ?? `The ${enumType.fullName.replace(/^\./, '')} enum.`), `export enum ${typeName(enumType)} {`];
  for (const [name, value] of Object.entries(enumType.values)) {
    lines.push(...docComment(enumType.comments[name], '  '), `  ${name} = ${value},`);
  }
  lines.push('}');
  return lines;
}

/**
 * The converter of one generic message type as code of its own: straight-line reads of the type's
 * field names into the object the encoder writes, made once per type with `new Function`. One shared loop over field plans made every property access in it see
 * every message type of the process: slow generic lookups on every call. Field names only enter
 * the code as JSON string literals; conversions that are not the identity stay functions.
 */
import { Type } from 'protobufjs';

type Convert = (value: unknown) => unknown;

/** How one field converts (convert.ts plans it). */
export interface FieldPlan {
  name: string;
  toWire: Convert;
  /** The value passes through unchanged. */
  identity: boolean;
  /** A google.protobuf.Value field, where null is a value (JSON null), not an absence. */
  nullable: boolean;
  /** A proto2 `required` field: encoding a value without it is an error. */
  required?: boolean;
}

export interface Converter {
  /** A (partial) vmrpc value as the object the compiled encoder writes. */
  toWire(value: unknown): Record<string, unknown>;
}

/** A real oneof: its name and its members' plans. */
export interface OneofPlan {
  group: string;
  members: FieldPlan[];
}

export const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * `value[key]` when it is the value's own: a field named like an Object.prototype member
 * (`constructor`, `toString`, `valueOf`) left out of a plain object would read the prototype's.
 */
export const ownValue = (value: Record<string, unknown>, key: string): unknown => (hasOwn(value, key) ? value[key] : undefined);

/** Whether a read of `key` from a plain object can reach Object.prototype. */
export const isPrototypeKey = (key: string): boolean => key in Object.prototype;

/** A oneof's member as its toWire reads it: `own` when its name is an Object.prototype key. */
interface MemberRead {
  plan: FieldPlan;
  own: boolean;
}

/** A oneof's members by name, each with how to read it (decided once, when the converter is compiled). */
function memberReads(oneof: OneofPlan): Map<string, MemberRead> {
  return new Map(oneof.members.map((plan) => [plan.name, { plan, own: isPrototypeKey(plan.name) }]));
}

/**
 * A oneof's `{ $case, <member> }` to its member field on the wire. Like a plain field, the group
 * and the member are read through the prototype chain (getters, Object.create templates, class
 * instances), own-only just for names Object.prototype has.
 */
function oneofToWire(type: Type, group: string, members: Map<string, MemberRead>, choice: unknown, out: Record<string, unknown>): void {
  if (!isRecord(choice) || typeof choice.$case !== 'string') return;
  const member = members.get(choice.$case);
  if (member === undefined) throw new TypeError(`${type.fullName.slice(1)}.${group}: no member named ${choice.$case}`);
  const { plan } = member;
  const item = member.own ? ownValue(choice, plan.name) : choice[plan.name];
  // A chosen member with no value is sent as its default, so the choice survives the trip.
  out[plan.name] = item === undefined || item === null ? defaultOf(type, plan.name) : plan.toWire(item);
}

function missingRequired(type: Type, fieldName: string): TypeError {
  return new TypeError(`${type.fullName.slice(1)}.${fieldName} is a proto2 required field and is missing; set it (a message without it cannot be encoded)`);
}

function defaultOf(type: Type, fieldName: string): unknown {
  const field = type.fields[fieldName]!;
  if (field.resolvedType instanceof Type) return {};
  return field.defaultValue;
}

/**
 * The object literal toWire starts from: every field of the type, undefined until set (the
 * encoder skips undefined). One literal gives every message of the type one hidden class, which
 * V8 keeps alive with the literal. Built by adding fields one by one, each combination of fields
 * would be a hidden class of its own, reachable only while such a message lives: on V8 13 and
 * later a full garbage collection then drops them, and with them the optimized code of the
 * converter and the encoder that checked for them (docs/architecture.md, "Hidden classes and full
 * collections").
 */
function wireShape(plain: FieldPlan[], oneofs: OneofPlan[]): string {
  const names = [...plain, ...oneofs.flatMap((oneof) => oneof.members)].map((plan) => plan.name);
  return `{ ${names.map((name) => `${JSON.stringify(name)}: undefined`).join(', ')} }`;
}

/** The converter of `type`, whose plain fields and real oneofs are planned already. */
export function compileConverter(type: Type, plain: FieldPlan[], oneofs: OneofPlan[]): Converter {
  const toWire: string[] = [`const out = ${wireShape(plain, oneofs)};`, 'if (typeof value !== "object" || value === null) return out;', 'let item, wire;'];
  plain.forEach((plan, index) => {
    const key = JSON.stringify(plan.name);
    // Only names Object.prototype also has pay for the own-property check.
    toWire.push(isPrototypeKey(plan.name) ? `item = ownValue(value, ${key});` : `item = value[${key}];`);
    const present = plan.nullable ? 'item !== undefined' : 'item !== undefined && item !== null';
    const absent = plan.required === true ? ` else throw missingRequired(type, ${key});` : '';
    if (plan.identity) toWire.push(`if (${present}) out[${key}] = item;${absent}`);
    else toWire.push(`if (${present}) { wire = plans[${index}].toWire(item); if (wire !== undefined) out[${key}] = wire; }${absent}`);
  });
  const reads = oneofs.map(memberReads);
  oneofs.forEach((oneof, index) => {
    const group = JSON.stringify(oneof.group);
    const choice = isPrototypeKey(oneof.group) ? `ownValue(value, ${group})` : `value[${group}]`;
    toWire.push(`oneofToWire(type, ${group}, reads[${index}], ${choice}, out);`);
  });
  toWire.push('return out;');
  // The generated function's only inputs are the plans and helpers passed here.
  const make = new Function(
    'type',
    'plans',
    'reads',
    'oneofToWire',
    'ownValue',
    'missingRequired',
    `return { toWire(value) { ${toWire.join('\n')} } };`,
  ) as (type: Type, plans: FieldPlan[], reads: Map<string, MemberRead>[], to: typeof oneofToWire, ownOf: typeof ownValue, missing: typeof missingRequired) => Converter;
  return make(type, plain, reads, oneofToWire, ownValue, missingRequired);
}

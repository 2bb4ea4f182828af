/**
 * A oneof's last member on the wire wins, as the protobuf spec says, with no scan of the members.
 * protobufjs's decoder assigns each field it reads to a fresh `new type.ctor()` and never clears
 * the other members of a oneof. For each member of a real oneof, an accessor on the ctor's
 * prototype takes that assignment: it records which member came (its index) and its value in two
 * slots of the message, overwriting whatever member came before. The vmrpc CLI's JSON printer,
 * which decodes with protobufjs, asks the slots (lastMemberOf); @vmrpc/rpc's own values come from
 * its compiled decoder (compile-decoder.ts), which keeps the last member itself and needs no patch.
 * Types without a real oneof get nothing. A decoded member is no own property of the message;
 * reading it gives its value, or the default. This is the one patch of protobufjs's prototypes in
 * vmrpc, here beside isRealOneof (which the codec and codegen use) and exported for the CLI.
 */
import type { Field, Type } from 'protobufjs';

/** The keys of a oneof's slots: no field name has a ':' (names are identifiers). */
export function oneofSlots(group: string): { caseKey: string; valueKey: string } {
  return { caseKey: `$case:${group}`, valueKey: `$value:${group}` };
}

/** Where the prototype keeps a oneof's member names, in the order the case slot indexes them. */
function namesKey(group: string): string {
  return `$members:${group}`;
}

/** A real oneof of a type: its name and its members' names, in field order (the converter plans them so). */
export interface OneofMembers {
  group: string;
  members: string[];
}

/** A oneof that is a real choice (not the synthetic one behind a proto3 `optional`). */
export function isRealOneof(field: Field): boolean {
  const oneof = field.partOf;
  return oneof !== null && !(oneof.oneof.length === 1 && field.options?.proto3_optional === true);
}

/** The real oneofs of `type`, each member at the index its case slot records. */
export function realOneofs(type: Type): OneofMembers[] {
  const groups = new Map<string, string[]>();
  for (const field of type.fieldsArray) {
    if (!isRealOneof(field)) continue;
    const group = field.partOf!.name;
    groups.set(group, [...(groups.get(group) ?? []), field.name]);
  }
  return [...groups].map(([group, members]) => ({ group, members }));
}

// Types already looked at (their oneofs patched, if any).
const done = new WeakSet<Type>();

/**
 * Makes every message type reachable from `type` record the last member of each oneof decoded.
 * Call it before the first decode of `type`.
 * @internal Shared by @vmrpc/rpc's converter and the vmrpc CLI's JSON printer; not a public API.
 */
export function keepLastMembers(type: Type): void {
  const pending = [type];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (done.has(next)) continue;
    done.add(next);
    for (const oneof of realOneofs(next)) patchOneof(next, oneof);
    for (const field of next.fieldsArray) {
      // Not `instanceof Type`: the CLI's protobufjs may be another copy than ours.
      const resolved = field.resolve().resolvedType;
      if (resolved !== null && 'fieldsArray' in resolved) pending.push(resolved);
    }
  }
}

/**
 * The member of oneof `group` decoded last into `message`, by name; undefined when none was, or
 * when `message` is not of a type keepLastMembers() patched before it was decoded.
 * @internal Shared by @vmrpc/rpc's converter and the vmrpc CLI's JSON printer; not a public API.
 */
export function lastMemberOf(message: object, group: string): string | undefined {
  const slots = message as Record<string, unknown>;
  const index = slots[oneofSlots(group).caseKey];
  const names = slots[namesKey(group)];
  return typeof index === 'number' && Array.isArray(names) ? (names[index] as string) : undefined;
}

function patchOneof(type: Type, { group, members }: OneofMembers): void {
  // Making type.ctor resolved every field, which put its default on the prototype: no default
  // assignment reaches the setters below later (Field#resolve runs once).
  const prototype = type.ctor.prototype as Record<string, unknown>;
  const { caseKey, valueKey } = oneofSlots(group);
  Object.defineProperty(prototype, namesKey(group), { value: members, enumerable: false });
  members.forEach((name, index) => {
    // protobufjs's default for the member, read through the prototype when it is not the one set.
    const fallback = prototype[name];
    Object.defineProperty(prototype, name, {
      configurable: true,
      enumerable: false,
      get(this: Record<string, unknown>) {
        return this[caseKey] === index ? this[valueKey] : fallback;
      },
      set(this: Record<string, unknown>, value: unknown) {
        this[caseKey] = index;
        this[valueKey] = value;
      },
    });
  });
}

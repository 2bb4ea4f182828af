/**
 * A oneof's last member on the wire wins, as the protobuf spec says, with no scan of the members.
 * protobufjs's decoder assigns each field it reads to a fresh `new type.ctor()`. For each member
 * of a real oneof, an accessor on the ctor's prototype takes that assignment: it records which
 * member came (its index) and its value in two slots of the message, overwriting whatever member
 * came before. The converter reads the two slots (oneofFromWire). Types without a real oneof get
 * nothing: their decoding costs what it did. A decoded member is no own property of the message
 * (only the converter reads protobufjs's messages); reading it gives its value, or the default.
 */
import { Type } from 'protobufjs';

/** The keys of a oneof's slots: no field name has a ':' (names are identifiers). */
export function oneofSlots(group: string): { caseKey: string; valueKey: string } {
  return { caseKey: `$case:${group}`, valueKey: `$value:${group}` };
}

/** A real oneof of a type: its name and its members' names, in the order the converter plans them. */
export interface OneofMembers {
  group: string;
  members: string[];
}

// Types already looked at (their oneofs patched, if any).
const done = new WeakSet<Type>();

/** Makes every message type reachable from `type` record the last member of each oneof decoded. */
export function keepLastMembers(type: Type, oneofsOf: (type: Type) => OneofMembers[]): void {
  const pending = [type];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (done.has(next)) continue;
    done.add(next);
    for (const oneof of oneofsOf(next)) patchOneof(next, oneof);
    for (const field of next.fieldsArray) {
      field.resolve();
      if (field.resolvedType instanceof Type) pending.push(field.resolvedType);
    }
  }
}

function patchOneof(type: Type, { group, members }: OneofMembers): void {
  const prototype = type.ctor.prototype as Record<string, unknown>;
  const { caseKey, valueKey } = oneofSlots(group);
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

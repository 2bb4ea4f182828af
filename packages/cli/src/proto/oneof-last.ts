/**
 * The last member of a oneof on the wire wins (the protobuf spec). protobufjs's decoder assigns
 * each member as it meets it and never clears the others, so `text, number, text` would leave
 * two members set, and the printer would show both. Accessors on the message prototype make each
 * member's assignment drop its siblings, so at most one is ever an own property: the last one.
 */
import { Type } from 'protobufjs';

type Fields = { [field: string]: unknown };

const prepared = new WeakSet<Type>();

function lastMemberWins(type: Type): void {
  const prototype = type.ctor.prototype as Fields;
  for (const oneof of type.oneofsArray) {
    const names = oneof.fieldsArray.map((field) => field.name);
    for (const name of names) {
      // What an unset member reads: protobufjs's default on the prototype.
      let fallback = prototype[name];
      Object.defineProperty(prototype, name, {
        configurable: true,
        enumerable: true,
        get: () => fallback,
        set(this: Fields, value: unknown) {
          if (this === prototype) {
            fallback = value;
            return;
          }
          for (const other of names) if (other !== name) delete this[other];
          Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
        },
      });
    }
  }
}

/** `type`, with the last member of each oneof winning in it and every message type it reaches. */
export function lastOneofMemberWins(type: Type): Type {
  const pending = [type];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (prepared.has(next)) continue;
    prepared.add(next);
    lastMemberWins(next);
    for (const field of next.fieldsArray) {
      const resolved = field.resolve().resolvedType;
      if (resolved instanceof Type) pending.push(resolved);
    }
  }
  return type;
}

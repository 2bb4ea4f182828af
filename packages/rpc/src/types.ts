/** Value types shared by generated code, clients and servers. */

/** A JSON value, as google.protobuf.Value carries it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object, as google.protobuf.Struct carries it. */
export interface JsonObject {
  [key: string]: JsonValue;
}

type Leaf = Uint8Array | Date | string | number | boolean | bigint | null | undefined;

/**
 * What a sender may pass for a message of type T: every field optional, at any depth. Absent
 * fields go on the wire as their default. A oneof keeps its `$case` so the value stays typed.
 */
export type DeepPartial<T> = T extends Leaf
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends { readonly $case: string }
      ? { [K in keyof T]?: DeepPartial<T[K]> } & { readonly $case: T['$case'] }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

/**
 * A protobufjs Root from serialized FileDescriptorProtos (what server reflection sends), using
 * protobufjs/ext/descriptor, which adds Root.fromDescriptor() to protobufjs when loaded. That
 * leaves map fields as repeated `...Entry` messages (the wire form); they are turned back into
 * map fields here, so the Root looks like one parsed from .proto files.
 */
import { MapField, Namespace, Root, Type } from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';

/** A decoded FileDescriptorProto: the fields this CLI reads. */
export interface FileDescriptor {
  readonly name: string;
  readonly dependency: readonly string[];
}

/** Decodes one serialized FileDescriptorProto. */
export function decodeFileDescriptor(bytes: Uint8Array): FileDescriptor {
  const decoded = FileDescriptorProto.decode(bytes) as unknown as { name?: string; dependency?: string[] };
  return Object.assign(decoded, { name: decoded.name ?? '', dependency: decoded.dependency ?? [] });
}

// ext/descriptor patches Root at run time; its typings do not declare the method.
const RootWithDescriptors = Root as unknown as { fromDescriptor(set: { file: readonly FileDescriptor[] }): Root };

function isMapEntry(type: unknown): type is Type {
  return type instanceof Type && type.options?.map_entry === true && type.fieldsById[1] !== undefined && type.fieldsById[2] !== undefined;
}

function restoreMapFields(namespace: Namespace): void {
  for (const nested of namespace.nestedArray) if (nested instanceof Namespace) restoreMapFields(nested);
  if (!(namespace instanceof Type)) return;
  for (const field of [...namespace.fieldsArray]) {
    const entry = field.resolvedType;
    if (!field.repeated || !isMapEntry(entry)) continue;
    const key = entry.fieldsById[1]!;
    const value = entry.fieldsById[2]!;
    namespace.remove(field);
    const map = new MapField(field.name, field.id, key.type, value.resolvedType?.fullName ?? value.type);
    namespace.add(map);
    // Added after the Root's resolveAll(): resolve it here.
    map.resolve();
  }
}

/** A resolved Root of `files`, which must include every file they import. */
export function rootFromFileDescriptors(files: readonly FileDescriptor[]): Root {
  const root = RootWithDescriptors.fromDescriptor({ file: files });
  restoreMapFields(root);
  return root;
}

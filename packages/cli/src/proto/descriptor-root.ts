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

const TYPE_GROUP = 10;

interface MessageDescriptor {
  name?: string;
  field?: Array<{ name?: string; type?: number; typeName?: string }>;
  nestedType?: MessageDescriptor[];
}

/**
 * fromDescriptor() ignores TYPE_GROUP, and resolves each field's features (whether it is encoded
 * delimited, as a group) before this can say so: the group is marked on its type, and on the
 * field's resolved features, which protobufjs keeps in `_features`.
 */
function markGroups(root: Root, scope: string, messages: readonly MessageDescriptor[]): void {
  for (const message of messages) {
    const name = `${scope}.${message.name ?? ''}`;
    for (const field of message.field ?? []) {
      if (field.type !== TYPE_GROUP || !field.typeName || !field.name) continue;
      (root.lookupType(field.typeName) as Type & { group?: boolean }).group = true;
      const features = (root.lookupType(name).fields[field.name] as unknown as { _features?: Record<string, unknown> })._features;
      if (features !== undefined) features.message_encoding = 'DELIMITED';
    }
    markGroups(root, name, message.nestedType ?? []);
  }
}

/** A resolved Root of `files`, which must include every file they import. */
export function rootFromFileDescriptors(files: readonly FileDescriptor[]): Root {
  const root = RootWithDescriptors.fromDescriptor({ file: files });
  restoreMapFields(root);
  for (const file of files) {
    const { package: packageName, messageType } = file as { package?: string; messageType?: MessageDescriptor[] };
    markGroups(root, packageName ? `.${packageName}` : '', messageType ?? []);
  }
  return root;
}

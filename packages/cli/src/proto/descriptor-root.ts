/**
 * A protobufjs Root from serialized FileDescriptorProtos (what server reflection sends), using
 * protobufjs/ext/descriptor, which adds Root.fromDescriptor() to protobufjs when loaded.
 */
import { Root } from 'protobufjs';
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

/** A resolved Root of `files`, which must include every file they import. */
export function rootFromFileDescriptors(files: readonly FileDescriptor[]): Root {
  return RootWithDescriptors.fromDescriptor({ file: files });
}

/**
 * What `call` and `list` share: the channel to the target, and where the service's schema comes
 * from (`--proto` files, or the server's reflection service).
 */
import { createChannel, type VmChannel } from '@vmrpc/transport';
import type { Root } from 'protobufjs';
import { parseDuration } from './durations';
import { loadProtoFiles } from './proto/load-files';
import { ReflectionClient } from './proto/reflection-client';

/** Options of commands that talk gRPC to a target. */
export const CHANNEL_OPTIONS = {
  'connect-timeout': { type: 'string', short: 'w' },
} as const;

/** Options of commands that need a schema. */
export const SCHEMA_OPTIONS = {
  proto: { type: 'string', multiple: true },
  'import-path': { type: 'string', short: 'I', multiple: true },
} as const;

export const CHANNEL_HELP = `  -w, --connect-timeout DUR   give up connecting after DUR (500ms, 3s, 1m; default 10s)`;
export const SCHEMA_HELP = `      --proto FILE            a .proto file with the service (repeatable); default: ask the
                              server's reflection service
  -I, --import-path DIR       where --proto files and their imports are found (repeatable)`;

/** A channel to `target` (closed by the caller). */
export function openChannel(target: string, connectTimeout: string | undefined): VmChannel {
  return createChannel(target, connectTimeout === undefined ? {} : { connect: { connectTimeout: parseDuration(connectTimeout, '--connect-timeout') } });
}

/** The schema given by --proto, or else the one reflection gives for `symbol`. */
export async function schemaFor(values: { proto?: string[] | undefined; 'import-path'?: string[] | undefined }, reflection: ReflectionClient, symbol: string): Promise<Root> {
  if (values.proto !== undefined) return loadProtoFiles(values.proto, values['import-path'] ?? []);
  return reflection.rootForSymbol(symbol);
}

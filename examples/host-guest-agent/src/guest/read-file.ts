/**
 * ReadFile: files under the agent's readable roots, in chunks, up to a size limit. A path
 * outside the roots is PERMISSION_DENIED before anything is looked up there, so the host cannot
 * probe which files exist elsewhere. Symbolic links under a root are followed: the guest put
 * them there (/etc/os-release is one), and FileInfo.path says where they led.
 */
import { open, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { RpcError, Status, timestampFromDate, type CallContext, type DeepPartial } from '@vmrpc/rpc';
import type { FileContent, ReadFileRequest } from '../generated/vmrpc/examples/guest/v1/guest';

/** What the host may read. */
export interface ReadPolicy {
  /** Absolute directories. */
  readonly roots: readonly string[];
  /** Files larger than this are refused (OUT_OF_RANGE), also when they only grow past it while read. */
  readonly maxBytes: number;
}

const CHUNK_BYTES = 64 * 1024;

function inside(file: string, roots: readonly string[]): boolean {
  return roots.some((root) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
}

function fileError(file: string, error: NodeJS.ErrnoException): RpcError {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return new RpcError(Status.NOT_FOUND, `no such file: ${file}`);
  if (error.code === 'EACCES' || error.code === 'EPERM') return new RpcError(Status.PERMISSION_DENIED, `the agent may not read ${file} (${error.code})`);
  return new RpcError(Status.INTERNAL, `cannot read ${file}: ${error.code ?? error.message}`);
}

async function resolveInRoots(requested: string, policy: ReadPolicy): Promise<string> {
  if (!path.isAbsolute(requested)) throw new RpcError(Status.INVALID_ARGUMENT, `path must be absolute: ${JSON.stringify(requested)}`);
  const normal = path.resolve(requested);
  if (!inside(normal, policy.roots)) {
    throw new RpcError(Status.PERMISSION_DENIED, `${normal} is outside this agent's readable roots (${policy.roots.join(', ')}; see --read-root)`);
  }
  return realpath(normal).catch((error: NodeJS.ErrnoException) => Promise.reject(fileError(normal, error)));
}

/** Answers ReadFile: the file's info, then its bytes in chunks. */
export async function* readFile(request: ReadFileRequest, context: CallContext, policy: ReadPolicy): AsyncGenerator<DeepPartial<FileContent>> {
  const file = await resolveInRoots(request.path, policy);
  const stats = await stat(file).catch((error: NodeJS.ErrnoException) => Promise.reject(fileError(file, error)));
  // Checked before open(): opening a FIFO would wait for a writer, a device could be endless.
  if (!stats.isFile()) throw new RpcError(Status.FAILED_PRECONDITION, `${file} is not a regular file`);
  const tooLarge = (size: number): RpcError => new RpcError(Status.OUT_OF_RANGE, `${file} is ${size} bytes or more; this agent sends at most ${policy.maxBytes} (--max-read-bytes)`);
  if (stats.size > policy.maxBytes) throw tooLarge(stats.size);
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => Promise.reject(fileError(file, error)));
  try {
    yield { kind: { $case: 'info', info: { path: file, sizeBytes: BigInt(stats.size), modified: timestampFromDate(stats.mtime) } } };
    let sent = 0;
    while (!context.signal.aborted) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(CHUNK_BYTES), 0, CHUNK_BYTES, null);
      if (bytesRead === 0) return;
      sent += bytesRead;
      // Files under /proc report size 0 and can hold anything: the limit holds while reading too.
      if (sent > policy.maxBytes) throw tooLarge(sent);
      yield { kind: { $case: 'data', data: buffer.subarray(0, bytesRead) } };
    }
  } finally {
    await handle.close();
  }
}

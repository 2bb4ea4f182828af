/**
 * The engine's HPACK pieces, for tests of each alone. They are not public API, so
 * @vmrpc/transport's `exports` has no path to them: they are loaded from the built package by
 * file, next to its package.json, so they are the very modules the engine uses.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as DecoderModule from '../../../packages/transport/dist/h2/hpack-decoder.js';
import type * as EncoderModule from '../../../packages/transport/dist/h2/hpack-encoder.js';
import type * as ErrorModule from '../../../packages/transport/dist/h2/hpack-error.js';
import type * as ReaderModule from '../../../packages/transport/dist/h2/frame-reader.js';
import type * as ErrorsModule from '../../../packages/transport/dist/h2/errors.js';

const require = createRequire(import.meta.url);
const distOfTransport = join(dirname(require.resolve('@vmrpc/transport/package.json')), 'dist');

function internal<T>(path: string): T {
  return require(join(distOfTransport, path)) as T;
}

export const { HpackDecoder } = internal<typeof DecoderModule>('h2/hpack-decoder.js');
export const { HpackEncoder } = internal<typeof EncoderModule>('h2/hpack-encoder.js');
export const { HpackError } = internal<typeof ErrorModule>('h2/hpack-error.js');
export type HpackDecoder = DecoderModule.HpackDecoder;
export type HpackError = ErrorModule.HpackError;
export const { FrameReader } = internal<typeof ReaderModule>('h2/frame-reader.js');
export const { ConnectionError } = internal<typeof ErrorsModule>('h2/errors.js');
import type * as FloodGuardModule from '../../../packages/transport/dist/h2/flood-guard.js';
import type * as HeaderBlockModule from '../../../packages/transport/dist/h2/header-block.js';
export const { MAX_WASTED_STREAMS_BURST, MAX_ANSWERS_WHILE_BLOCKED, ANSWER_QUEUE_LIMIT } = internal<typeof FloodGuardModule>('h2/flood-guard.js');
import type * as SessionModule from '../../../packages/transport/dist/h2/close-flush.js';
export const { CLOSE_FLUSH_TIMEOUT_MS } = internal<typeof SessionModule>('h2/close-flush.js');
export const { DEFAULT_MAX_HEADER_BLOCK_BYTES, maxHeaderBlockBytes } = internal<typeof HeaderBlockModule>('h2/header-block.js');

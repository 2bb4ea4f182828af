/**
 * Fuzz inputs: random bytes and structured mutations of what each listener expects, drawn from
 * a SeededRandom so a run is reproduced from its seed.
 *
 *   http2   HTTP/2 preface + frames with corrupted headers, lengths, types and stream ids;
 *           gRPC requests (HPACK-literal HEADERS + DATA) with wrong length prefixes, bad
 *           compression flags, invalid protobuf, oversized metadata; valid sequences mutated
 *   link    the agent link preface `VMRPC-LINK/1 session|calls <id> <token>` corrupted
 *   hybrid  the VMM's `OK <host port>` reply corrupted (for the host's hybrid vsock dialer)
 */
import { HTTP2_CLIENT_PREFACE } from './http2-preface.js';
import type { SeededRandom } from './random.js';

export type InputFamily = 'random' | 'http2' | 'link' | 'hybrid';

/** Flips, truncates, inserts or repeats parts of `input`. */
export function mutate(random: SeededRandom, input: Buffer): Buffer {
  let out: Buffer = Buffer.from(input);
  const edits = random.int(1, 4);
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = random.int(0, out.length - 1);
    switch (random.int(0, 4)) {
      case 0:
        out[at] = random.int(0, 255);
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), random.bytes(random.int(1, 16)), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + random.int(1, 64)), out.subarray(at)]);
        break;
      default:
        out[at] = out[at]! ^ (1 << random.int(0, 7));
    }
  }
  return out;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer, declaredLength = payload.length): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(declaredLength & 0xffffff, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId >>> 0, 5);
  return Buffer.concat([header, payload]);
}

function hpackLength(length: number): Buffer {
  if (length < 127) return Buffer.from([length]);
  const bytes = [127];
  let rest = length - 127;
  while (rest >= 128) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** One header as an HPACK "literal without indexing, new name" field (no Huffman). */
function hpackLiteral(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0]), hpackLength(name.length), Buffer.from(name, 'latin1'), hpackLength(value.length), Buffer.from(value, 'latin1')]);
}

const METHODS = ['/vmrpc.testing.v1.Conformance/Unary', '/vmrpc.testing.v1.Conformance/ClientStream', '/vmrpc.agent.v1.AgentRegistry/Session', '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/no.such.Service/Method'];

function grpcHeaders(random: SeededRandom, extra: Array<[string, string]> = []): Buffer {
  const fields: Array<[string, string]> = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', random.pick(METHODS)],
    [':authority', 'localhost'],
    ['content-type', random.next() < 0.9 ? 'application/grpc' : random.pick(['text/html', 'application/grpc+json', ''])],
    ['te', 'trailers'],
    ...extra,
  ];
  if (random.next() < 0.2) fields.push(['grpc-timeout', `${random.int(0, 99999999)}${random.pick(['n', 'u', 'm', 'S', 'M', 'H', 'x', ''])}`]);
  if (random.next() < 0.2) fields.push(['grpc-encoding', random.pick(['gzip', 'deflate', 'identity', 'snappy', ''])]);
  return Buffer.concat(fields.map(([name, value]) => hpackLiteral(name, value)));
}

function grpcMessage(random: SeededRandom): Buffer {
  const body = random.next() < 0.5 ? random.bytes(random.int(0, 256)) : Buffer.from([0x0a, random.int(0, 255), ...random.bytes(random.int(0, 16))]);
  const prefix = Buffer.alloc(5);
  prefix[0] = random.next() < 0.8 ? 0 : random.int(1, 255);
  const lengths = [body.length, body.length + random.int(1, 100), Math.max(0, body.length - random.int(1, 10)), 0xffffffff, 0x7fffffff, random.int(0, 0xffffffff)];
  prefix.writeUInt32BE(random.next() < 0.4 ? body.length : random.pick(lengths) >>> 0, 1);
  return Buffer.concat([prefix, body]);
}

/** A whole gRPC request as an HTTP/2 client would send it, before mutation. */
function grpcRequest(random: SeededRandom): Buffer {
  const extra: Array<[string, string]> = [];
  if (random.next() < 0.15) extra.push(['x-big', 'v'.repeat(random.int(8_000, 15_000))]); // near the frame and header list limits
  if (random.next() < 0.1) extra.push(['x-bin-bin', random.bytes(32).toString('base64')]);
  const headers = grpcHeaders(random, extra);
  const streamId = random.next() < 0.9 ? 1 : random.int(0, 8);
  const parts: Buffer[] = [HTTP2_CLIENT_PREFACE, frame(4, 0, 0, Buffer.alloc(0)), frame(1, 4, streamId, headers)];
  for (let i = random.int(0, 3); i > 0; i--) parts.push(frame(0, 0, streamId, grpcMessage(random)));
  parts.push(frame(0, 1, streamId, random.next() < 0.5 ? Buffer.alloc(0) : grpcMessage(random)));
  return Buffer.concat(parts);
}

/** Preface + frames with random types, flags, stream ids and lying length fields. */
function randomFrames(random: SeededRandom): Buffer {
  const parts: Buffer[] = [HTTP2_CLIENT_PREFACE];
  for (let i = random.int(1, 6); i > 0; i--) {
    const payload = random.bytes(random.int(0, 64));
    const declared = random.next() < 0.5 ? payload.length : random.int(0, 0xffffff);
    parts.push(frame(random.int(0, 12), random.int(0, 255), random.next() < 0.5 ? random.int(0, 9) : random.int(0, 0xffffffff), payload, declared));
  }
  return Buffer.concat(parts);
}

function http2Input(random: SeededRandom): Buffer {
  const choice = random.next();
  if (choice < 0.35) return grpcRequest(random);
  if (choice < 0.7) return mutate(random, grpcRequest(random));
  if (choice < 0.9) return randomFrames(random);
  return mutate(random, HTTP2_CLIENT_PREFACE);
}

function token(random: SeededRandom, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from({ length }, () => alphabet[random.int(0, alphabet.length - 1)]).join('');
}

function linkInput(random: SeededRandom): Buffer {
  const lines = [
    'VMRPC-LINK/1 session\n',
    `VMRPC-LINK/1 calls ${token(random, random.int(1, 64))} ${token(random, random.int(16, 128))}\n`,
    `VMRPC-LINK/1 calls ${token(random, 70)} ${token(random, 8)}\n`,
    `VMRPC-LINK/1 ${'x'.repeat(random.int(200, 400))}`,
    `VMRPC-LINK/2 session\n`,
    `V${random.bytes(random.int(0, 300)).toString('latin1')}`,
  ];
  const line = Buffer.from(random.pick(lines), 'latin1');
  const input = random.next() < 0.5 ? mutate(random, line) : line;
  // Sometimes HTTP/2 follows a valid-looking line, as a confused or hostile peer might send it.
  return random.next() < 0.2 ? Buffer.concat([input, grpcRequest(random)]) : input;
}

/** A VMM reply line and what follows it (stream bytes that must reach the caller intact). */
export function hybridReply(random: SeededRandom): { reply: Buffer; after: Buffer } {
  const port = random.pick([0, 1, 1 << 30, 0xffffffff, 0x100000000, 99999999999]);
  const base = random.pick([`OK ${port}\n`, `OK ${port}\r\n`, `ok ${port}\n`, `OK  ${port}\n`, `OK\n`, `OK -1\n`, `ERR refused\n`, `OK ${port}`, `${'9'.repeat(40)}\n`]);
  const reply = random.next() < 0.5 ? mutate(random, Buffer.from(base, 'latin1')) : Buffer.from(base, 'latin1');
  return { reply, after: random.next() < 0.5 ? random.bytes(random.int(1, 64)) : Buffer.alloc(0) };
}

/**
 * What the host's dialer must make of the bytes a VMM sent: `rest` (the stream after the reply
 * line, to be delivered intact), 'invalid' (ERR_VMRPC_HANDSHAKE), or 'incomplete' (it waits).
 */
export function expectedHybridOutcome(sent: Buffer): { rest: Buffer } | 'invalid' | 'incomplete' {
  const newline = sent.indexOf(0x0a);
  if (newline < 0 || newline >= 32) return newline < 0 && sent.length < 32 ? 'incomplete' : 'invalid';
  const match = /^OK ([0-9]{1,10})\r?$/i.exec(sent.subarray(0, newline).toString('latin1'));
  if (match === null || Number(match[1]) > 0xffffffff) return 'invalid';
  return { rest: sent.subarray(newline + 1) };
}

/** One input for a listener of `family`. */
export function fuzzInput(random: SeededRandom, family: InputFamily): Buffer {
  if (family === 'http2') return http2Input(random);
  if (family === 'link') return linkInput(random);
  if (family === 'hybrid') return hybridReply(random).reply;
  return random.bytes(random.next() < 0.8 ? random.int(0, 512) : random.int(512, 64 * 1024));
}

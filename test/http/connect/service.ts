/** The ChecksumService implementation the Connect-RPC suites serve, and the data it streams. */
import { createHash } from 'node:crypto';
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import { create } from '@bufbuild/protobuf';
import { createContextKey, createContextValues, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { formatTarget } from '@vmrpc/native';
import { peerOf } from '@vmrpc/http';
import { ChecksumService, ChunkSchema, DigestSchema, PeerResponseSchema } from './gen/vmrpc/httptest/v1/checksum_pb.js';

const peerKey = createContextKey<string>('', { description: 'the VM peer of the call' });
const requestKey = createContextKey<http.IncomingMessage | http2.Http2ServerRequest | undefined>(undefined, { description: 'the node request' });

/** Byte j of chunk i of a download. */
export function downloadChunk(index: number, size: number): Buffer {
  const chunk = Buffer.alloc(size);
  for (let j = 0; j < size; j++) chunk[j] = (31 * index + j) & 0xff;
  return chunk;
}

function routes(router: ConnectRouter): void {
  router.service(ChecksumService, {
    echo: (request) => create(ChunkSchema, { data: request.data }),
    async upload(requests) {
      const hash = createHash('sha256');
      let bytes = 0n;
      for await (const chunk of requests) {
        hash.update(chunk.data);
        bytes += BigInt(chunk.data.length);
      }
      return create(DigestSchema, { bytes, sha256: hash.digest('hex') });
    },
    async *download(request, context) {
      for (let i = 0; i < request.chunks; i++) {
        if (request.failAfter !== 0 && i === request.failAfter) {
          // The server's connection goes away mid-stream.
          const req = context.values.get(requestKey);
          if (req !== undefined && 'stream' in req) req.stream.session?.destroy();
          else req?.socket.destroy();
          await new Promise((resolve) => req?.socket?.once('close', resolve));
          return;
        }
        yield create(ChunkSchema, { data: downloadChunk(i, request.chunkSize) });
      }
    },
    async *chat(requests) {
      for await (const chunk of requests) yield create(ChunkSchema, { data: chunk.data });
    },
    peer: (_request, context) => create(PeerResponseSchema, { peer: context.values.get(peerKey), authority: new URL(context.url).host }),
  });
}

/** A node request handler (HTTP/1.1 and HTTP/2) serving ChecksumService over the Connect, gRPC and gRPC-Web protocols. */
export function checksumHandler(): ReturnType<typeof connectNodeAdapter> {
  return connectNodeAdapter({
    routes,
    contextValues: (req) => {
      const peer = peerOf(req);
      return createContextValues()
        .set(peerKey, peer === undefined ? '' : formatTarget(peer))
        .set(requestKey, req);
    },
  });
}

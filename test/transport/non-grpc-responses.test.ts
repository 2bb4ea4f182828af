// Responses that are not gRPC, from a raw node:http2 server (a proxy's error page, a web server
// on the wrong port, a server that dies mid-reply): the channel ends the call with the code
// gRPC's HTTP mapping gives, and never parses an HTML body as gRPC messages, on either engine.
// (The stock grpc-js 1.14 client is no reference here: it reads the 503 page as gRPC frames and
// fails with RESOURCE_EXHAUSTED, "Received message larger than max (1752460652 ...)".)
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { clientOptions } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { HTTP2_ENGINES } from './engines.js';

const identity = (value: Buffer): Buffer => value;
const HTML = '<html><body>Service Unavailable</body></html>';

/** How the server answers each path. */
function answer(stream: http2.ServerHttp2Stream, path: string): void {
  switch (path) {
    case '/t.S/Status503':
      stream.respond({ ':status': 503, 'content-type': 'text/html' });
      return void stream.end(HTML);
    case '/t.S/Status404':
      stream.respond({ ':status': 404 });
      return void stream.end();
    case '/t.S/Html200':
      stream.respond({ ':status': 200, 'content-type': 'text/html' });
      return void stream.end(HTML);
    default: {
      // gRPC headers and a message, then END_STREAM without trailers: no status ever comes.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const frame = Buffer.from([0, 0, 0, 0, 2, 0x68, 0x69]);
      stream.end(frame);
    }
  }
}

describe('responses that are not gRPC', () => {
  let server: http2.Http2Server;
  const path = socketPath('non-grpc');
  const target = `unix:${path}`;

  before(async () => {
    server = http2.createServer();
    server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined); // clients reset what they refuse
      stream.resume();
      answer(stream, String(headers[':path']));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const clients: Record<string, () => grpc.Client> = Object.fromEntries(
    HTTP2_ENGINES.map((http2Engine) => [`@vmrpc/transport channel, ${http2Engine} HTTP/2`, () => new grpc.Client(target, grpc.credentials.createInsecure(), clientOptions(target, { http2: http2Engine }))]),
  );

  function call(client: grpc.Client, method: string): Promise<grpc.ServiceError> {
    return within(5000, method, new Promise<grpc.ServiceError>((resolve, reject) =>
      client.makeUnaryRequest(`/t.S/${method}`, identity, identity, Buffer.from('x'), (error, value) =>
        error ? resolve(error) : reject(new Error(`the call succeeded with ${JSON.stringify(value?.toString())}`)),
      ),
    ));
  }

  for (const [name, make] of Object.entries(clients)) {
    it(`${name}: HTTP 503 with an HTML page is UNAVAILABLE, 404 UNIMPLEMENTED, a 200 text/html UNKNOWN`, async () => {
      const client = make();
      try {
        const unavailable = await call(client, 'Status503');
        expect(unavailable.code, unavailable.details).to.equal(grpc.status.UNAVAILABLE);
        expect(unavailable.details).to.contain('503');
        const unimplemented = await call(client, 'Status404');
        expect(unimplemented.code, unimplemented.details).to.equal(grpc.status.UNIMPLEMENTED);
        const html = await call(client, 'Html200');
        expect(html.code, html.details).to.equal(grpc.status.UNKNOWN);
        expect(html.details).to.contain('text/html');
      } finally {
        client.close();
      }
    });
  }

  for (const http2Engine of HTTP2_ENGINES) {
    it(`@vmrpc/transport channel, ${http2Engine} HTTP/2: a response that ends without a status is INTERNAL`, async () => {
      const client = clients[`@vmrpc/transport channel, ${http2Engine} HTTP/2`]!();
      try {
        const error = await call(client, 'NoTrailers');
        expect(error.code, error.details).to.equal(grpc.status.INTERNAL);
      } finally {
        client.close();
      }
    });
  }
});

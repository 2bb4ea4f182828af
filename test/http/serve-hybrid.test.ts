/** serve() on the host side of hybrid vsock: a guest connects to CID 2, the VMM dials `<uds>_<port>`. */
import { expect } from 'chai';
import { serve } from '@vmrpc/http';
import { FirecrackerMuxerStandIn } from '../support/firecracker-muxer-standin.js';
import { expectNoFdLeak, openFdCount, socketPath, within } from '../support/checks.js';
import { createTestApp } from './support/app.js';

describe('serve() on a hybrid vsock host port (guest -> host, stand-in muxer)', function () {
  it('gives handlers the hybrid vsock listener as the peer (every guest connection comes from the VMM)', async function () {
    const fdBaseline = openFdCount();
    const muxer = new FirecrackerMuxerStandIn(socketPath('fc-host'));
    await muxer.start();
    const app = createTestApp();
    const listener = await serve(app.server, `hybrid-vsock:${muxer.udsPath}:5000`);
    try {
      const guest = await muxer.guestConnect(5000);
      guest.end('GET /peer HTTP/1.1\r\nHost: host.internal\r\nConnection: close\r\n\r\n');
      const chunks: Buffer[] = [];
      guest.on('data', (chunk: Buffer) => chunks.push(chunk));
      await within(5000, 'the response', new Promise((resolve) => guest.once('close', resolve)));
      const response = Buffer.concat(chunks).toString();
      expect(response).to.match(/^HTTP\/1\.1 200 OK/);
      const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { peer: unknown; host: string };
      expect(body.host).to.equal('host.internal');
      expect(body.peer).to.deep.include({ family: 'hybrid-vsock', path: muxer.udsPath, port: 5000 });
    } finally {
      await listener.close(1000);
      await muxer.stop();
    }
    await expectNoFdLeak(fdBaseline);
  });
});

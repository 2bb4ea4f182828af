/**
 * The host side of this example, runnable on any Linux machine: against a STAND-IN of the VMM's
 * muxer (no VMM, no guest kernel), whose in-process "guest" runs the same guest-side functions
 * as dist/guest.js does over vsock.
 *
 *   node dist/try-here.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUEST_PORT, HOST_PORT, describeThisMachine, type GuestReport } from './messages';
import { announce, answerHost } from './guest-side';
import { askGuest, listenForGuests } from './host-side';
import { FirecrackerMuxerStandIn } from './muxer-standin';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vmrpc-firecracker-'));
  const muxer = new FirecrackerMuxerStandIn(join(dir, 'v.sock'));
  const guestReport: GuestReport = { ...describeThisMachine(), hostname: 'standin-guest' };
  const print = (line: string): void => console.log(line);
  const options = { uds: muxer.udsPath, guestPort: GUEST_PORT, hostPort: HOST_PORT, print };
  try {
    await muxer.start();
    console.log(`stand-in: a Firecracker vsock muxer STAND-IN on ${muxer.udsPath} (not a VMM; its guest is in this process)`);
    muxer.guestListens(GUEST_PORT, (stream) => answerHost(stream, guestReport));

    let announced: (report: GuestReport) => void = () => undefined;
    const announcement = new Promise<GuestReport>((resolve) => (announced = resolve));
    const server = await listenForGuests(options, announced);
    const ack = await announce(await muxer.guestDials(HOST_PORT), guestReport);
    console.log(`stand-in guest: the host answered: ${ack}`);
    await announcement;

    const report = await askGuest(options);
    console.log(`host: the guest reports ${report.hostname}, ${report.kernel}, up ${report.uptimeSeconds} s`);
    server.close();
    console.log('done: guest -> host and host -> guest over hybrid vsock');
  } finally {
    await muxer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`try-here: ${error.message}`);
  process.exitCode = 1;
});

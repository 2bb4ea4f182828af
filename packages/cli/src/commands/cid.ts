/** `vmrpc cid`: this machine's vsock CID, read from the local driver (nothing is sent). */
import { localCid } from '@vmrpc/native';
import { defineCommand } from '../command';
import { CliError, EXIT_OK } from '../errors';
import { atMost } from '../targets';

const HELP = `usage: vmrpc cid [--device PATH]

Prints this machine's vsock CID: a guest's own CID, 2 on a KVM host with vhost_vsock, 1 with
vsock_loopback only. Asks the local vsock driver (an ioctl on /dev/vsock); nothing is sent.

      --device PATH  the vsock device (default /dev/vsock)
`;

// Errors of the device that mean "no vsock here" rather than "something broke".
const NO_TRANSPORT = new Set(['ENOENT', 'ENODEV', 'ENXIO', 'ENOTTY']);

export const command = defineCommand({
  name: 'cid',
  summary: "this machine's vsock CID",
  help: HELP,
  options: { device: { type: 'string' } },
  async run(values, positionals, io) {
    atMost(positionals, 0);
    let cid: number;
    try {
      cid = localCid(values.device);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && NO_TRANSPORT.has(code)) {
        throw new CliError(`no vsock transport: is this a VM? is vsock_loopback loaded? (${code} on ${values.device ?? '/dev/vsock'})`, undefined, { cause: error });
      }
      throw error;
    }
    io.stdout.write(`${cid}\n`);
    return EXIT_OK;
  },
});

/** The local CID, read from the local vsock driver (nothing is sent to any peer). */
import * as util from 'node:util';
import { socketBinding } from './binding';
import { systemError } from './errors';

/**
 * Returns this machine's CID: a guest's own CID on virtio, 2 on a host with vhost, 1 with
 * loopback only, VMADDR_CID_ANY on Hyper-V. It can change after live migration, so servers
 * should listen on `vsock:any:PORT` rather than on the CID returned here.
 */
export function localCid(devicePath = '/dev/vsock'): number {
  const cid = socketBinding('localCid()').localCid(devicePath);
  if (cid >= 0) return cid;
  const name = util.getSystemErrorName(cid);
  const hint =
    name === 'ENOENT' || name === 'ENODEV' || name === 'ENXIO'
      ? `no vsock device at ${devicePath}: this machine has no vsock driver loaded (modprobe vsock, or a transport such as vmw_vsock_virtio_transport)`
      : name === 'EACCES'
        ? `${devicePath} is not readable by this user`
        : undefined;
  throw systemError(cid, 'ioctl', devicePath, hint);
}

import { expect } from 'chai';
import { localCid } from '@vmrpc/native';

describe('localCid()', () => {
  it('names the missing device and what to load when there is no vsock driver', function () {
    if (process.platform !== 'linux') this.skip();
    try {
      localCid('/dev/vmrpc-no-such-vsock-device');
      expect.fail('no error');
    } catch (error) {
      const e = error as Error & { code?: string; syscall?: string };
      expect(e.code).to.equal('ENOENT');
      expect(e.syscall).to.equal('ioctl');
      expect(e.message).to.match(/no vsock driver loaded/);
    }
  });
});

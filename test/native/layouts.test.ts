// Binary layouts are checked byte by byte against the kernel and Windows SDK definitions, so
// the Windows layout is verified on Linux too.
import { expect } from 'chai';
// Internal module, reached through the package's ./internal/* export (not a public API).
import { sockaddr } from '@vmrpc/native/testing';

describe('socket address layouts', () => {
  it('encodes sockaddr_vm as 16 bytes: family 40, reserved, port, cid, flags, zero', () => {
    const bytes = sockaddr.encodeVsock({ cid: 3, port: 0x01020304 }, 1);
    expect(bytes.toString('hex')).to.equal('2800' + '0000' + '04030201' + '03000000' + '01' + '000000');
    expect(sockaddr.decodeSockaddr(bytes)).to.deep.equal({ family: 'vsock', cid: 3, port: 0x01020304 });
  });

  it('encodes SOCKADDR_HV as 36 bytes with GUIDs in Windows memory order', () => {
    const bytes = sockaddr.encodeHvsock({
      vmId: 'a42e7cda-d03f-480c-9cc2-a4de20abb878',
      serviceId: '000004d2-facb-11e6-bd58-64006a7986d3',
    });
    expect(bytes.length).to.equal(36);
    expect(bytes.subarray(0, 4).toString('hex')).to.equal('22000000');
    expect(bytes.subarray(4, 20).toString('hex')).to.equal('da7c2ea43fd00c489cc2a4de20abb878');
    expect(bytes.subarray(20, 36).toString('hex')).to.equal('d2040000cbfae611bd5864006a7986d3');
    expect(sockaddr.decodeSockaddr(bytes)).to.deep.equal({
      family: 'hvsock',
      vmId: 'a42e7cda-d03f-480c-9cc2-a4de20abb878',
      serviceId: '000004d2-facb-11e6-bd58-64006a7986d3',
    });
  });

  it('encodes sockaddr_un for paths and abstract names', () => {
    expect(sockaddr.encodeUnix({ path: '/a' }).toString('hex')).to.equal('01002f6100');
    expect(sockaddr.encodeUnix({ path: 'ab', abstract: true }).toString('hex')).to.equal('0100006162');
    expect(sockaddr.decodeSockaddr(Buffer.from('01002f6100', 'hex'))).to.deep.equal({ family: 'unix', path: '/a' });
    expect(sockaddr.decodeSockaddr(Buffer.from('0100006162', 'hex'))).to.deep.equal({ family: 'unix', path: 'ab', abstract: true });
    expect(sockaddr.decodeSockaddr(Buffer.from('0100', 'hex'))).to.equal(undefined);
  });
});

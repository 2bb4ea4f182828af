import { expect } from 'chai';
import {
  HV_GUID_LOOPBACK,
  HV_GUID_PARENT,
  HV_GUID_VSOCK_TEMPLATE,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_PORT_ANY,
  formatTarget,
  parseTarget,
  validateAddress,
  vsockPortFromServiceId,
  vsockServiceId,
  type VmAddress,
} from '@vmrpc/native';

function invalid(target: string): Error & { code?: string } {
  try {
    parseTarget(target);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error(`parseTarget(${JSON.stringify(target)}) did not throw`);
}

describe('targets', () => {
  it('parses vsock targets, including any and named CIDs', () => {
    expect(parseTarget('vsock:3:5000')).to.deep.equal({ family: 'vsock', cid: 3, port: 5000 });
    expect(parseTarget('vsock:-1:5000')).to.deep.equal({ family: 'vsock', cid: VMADDR_CID_ANY, port: 5000 });
    expect(parseTarget('vsock:any:any')).to.deep.equal({ family: 'vsock', cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY });
    expect(parseTarget('vsock:host:1')).to.deep.equal({ family: 'vsock', cid: VMADDR_CID_HOST, port: 1 });
    expect(parseTarget('vsock:4294967295:4294967295')).to.deep.equal({ family: 'vsock', cid: 0xffffffff, port: 0xffffffff });
  });

  it('parses hvsock targets with names, GUIDs and ports mapped through the VSock template', () => {
    expect(parseTarget('hvsock:parent:1234')).to.deep.equal({
      family: 'hvsock',
      vmId: HV_GUID_PARENT,
      serviceId: '000004d2-facb-11e6-bd58-64006a7986d3',
    });
    const id = '{C5D6E7F8-1111-2222-3333-444455556666}';
    expect(parseTarget(`hvsock:LOOPBACK:${id}`)).to.deep.equal({
      family: 'hvsock',
      vmId: HV_GUID_LOOPBACK,
      serviceId: 'c5d6e7f8-1111-2222-3333-444455556666',
    });
  });

  it('parses hybrid-vsock paths containing colons and unix forms', () => {
    expect(parseTarget('hybrid-vsock:/run/fc:1/v.sock:52')).to.deep.equal({ family: 'hybrid-vsock', path: '/run/fc:1/v.sock', port: 52 });
    expect(parseTarget('unix:/tmp/a.sock')).to.deep.equal({ family: 'unix', path: '/tmp/a.sock' });
    expect(parseTarget('unix:///tmp/a.sock')).to.deep.equal({ family: 'unix', path: '/tmp/a.sock' });
    expect(parseTarget('unix:relative.sock')).to.deep.equal({ family: 'unix', path: 'relative.sock' });
    expect(parseTarget('unix-abstract:vmrpc')).to.deep.equal({ family: 'unix', path: 'vmrpc', abstract: true });
  });

  it('round-trips parseTarget(formatTarget(x)) for every family', () => {
    const addresses: VmAddress[] = [
      { family: 'vsock', cid: 3, port: 5000 },
      { family: 'vsock', cid: VMADDR_CID_ANY, port: VMADDR_PORT_ANY },
      { family: 'hvsock', vmId: HV_GUID_PARENT, serviceId: vsockServiceId(80) },
      { family: 'hvsock', vmId: '12345678-9abc-def0-1234-56789abcdef0', serviceId: 'c5d6e7f8-1111-2222-3333-444455556666' },
      { family: 'hybrid-vsock', path: '/var/run/v.sock', port: 52 },
      { family: 'unix', path: '/tmp/x.sock' },
      { family: 'unix', path: '//tmp/x.sock' },
      { family: 'unix', path: '///x.sock' },
      { family: 'unix', path: 'relative/x.sock' },
      { family: 'unix', path: 'name', abstract: true },
      { family: 'unix', path: '//name', abstract: true },
      { family: 'hybrid-vsock', path: '//var/run/v.sock', port: 52 },
    ];
    for (const address of addresses) expect(parseTarget(formatTarget(address))).to.deep.equal(address);
    expect(formatTarget({ family: 'hvsock', vmId: HV_GUID_PARENT, serviceId: vsockServiceId(80) })).to.equal('hvsock:parent:80');
    // "unix://tmp/x" would read as an authority (and be refused): such paths take the unix:// form.
    expect(formatTarget({ family: 'unix', path: '//tmp/x.sock' })).to.equal('unix:////tmp/x.sock');
  });

  it('rejects malformed targets with ERR_VMRPC_INVALID_TARGET naming the bad part', () => {
    const cases: Array<[string, RegExp]> = [
      ['vsock:x:1', /CID "x"/],
      ['vsock:3:70000000000', /port "70000000000"/],
      ['vsock:4294967296:1', /CID 4294967296/],
      ['vsock:3', /expected vsock:CID:PORT/],
      ['vsock:3:1:2', /expected vsock:CID:PORT/],
      ['vsock:3: 1', /port " 1"/],
      ['vsock:0x3:1', /CID "0x3"/],
      ['hvsock:nobody:1', /VM id "nobody"/],
      ['hvsock:parent:not-a-guid', /service "not-a-guid"/],
      ['hybrid-vsock:/x', /PATH:PORT/],
      ['hybrid-vsock::52', /path is empty/],
      ['unix:', /path is empty \(name the socket file: unix:\/run\/app.sock/],
      ['unix-abstract:', /path is empty \(name it: unix-abstract:NAME\)/],
      ['unix:///', /"\/" ends with "\/" and so names a directory \(add the socket file's name, e.g. \/app.sock\)/],
      ['unix:/tmp/', /"\/tmp\/" ends with "\/" and so names a directory/],
      ['hybrid-vsock:/run/:52', /names a directory/],
      ['unix://host/x', /absolute path/],
      [`unix:/${'a'.repeat(120)}`, /more than the 107/],
      ['tcp:127.0.0.1:80', /unknown scheme "tcp"/],
      ['justtext', /no scheme/],
    ];
    for (const [target, message] of cases) {
      const error = invalid(target);
      expect(error.code, target).to.equal('ERR_VMRPC_INVALID_TARGET');
      expect(error.message, target).to.match(message);
    }
  });

  it('rejects wrong argument types with ERR_INVALID_ARG_TYPE, never a crash', () => {
    for (const bad of [undefined, null, 42, {}, ['vsock:1:1']]) {
      try {
        parseTarget(bad as unknown as string);
        expect.fail('no error');
      } catch (error) {
        expect((error as { code?: string }).code).to.equal('ERR_INVALID_ARG_TYPE');
      }
    }
    expect(() => validateAddress({ family: 'vsock', cid: -2, port: 1 })).to.throw(/CID -2/);
    expect(() => validateAddress({ family: 'vsock', cid: 1.5, port: 1 })).to.throw(/CID 1.5/);
    expect(() => validateAddress({ family: 'carrier-pigeon' } as unknown as VmAddress)).to.throw(/unknown address family/);
  });
});

describe('Hyper-V GUIDs and the VSock template', () => {
  it('maps ports to service ids and back', () => {
    expect(vsockServiceId(1234)).to.equal('000004d2-facb-11e6-bd58-64006a7986d3');
    expect(vsockServiceId(0)).to.equal(HV_GUID_VSOCK_TEMPLATE);
    expect(vsockServiceId(0xffffffff)).to.equal('ffffffff-facb-11e6-bd58-64006a7986d3');
    for (const port of [0, 1, 1234, 50000, 0xffffffff]) expect(vsockPortFromServiceId(vsockServiceId(port))).to.equal(port);
    expect(vsockPortFromServiceId('000004D2-FACB-11E6-BD58-64006A7986D3')).to.equal(1234);
    expect(vsockPortFromServiceId(HV_GUID_PARENT)).to.equal(undefined);
    expect(vsockPortFromServiceId('nonsense')).to.equal(undefined);
  });

  it('refuses ports outside 0..2^32-1', () => {
    expect(() => vsockServiceId(-1)).to.throw(RangeError);
    expect(() => vsockServiceId(2 ** 32)).to.throw(RangeError);
    expect(() => vsockServiceId('5' as unknown as number)).to.throw(TypeError);
  });
});

// Hyper-V socket pieces that need no Windows: the SOCKADDR_HV layout, the GUID <-> port mapping,
// target parsing, the Windows error table, option checks, the discovery parsers, and the
// errors every Windows-only API gives elsewhere.
import { expect } from 'chai';
import * as util from 'node:util';
import {
  HVSOCKET_CONNECT_TIMEOUT_MAX,
  HV_WELL_KNOWN_VM_IDS,
  connect,
  createConnection,
  createServer,
  formatTarget,
  hvsockServiceId,
  isElevated,
  listHvsockServices,
  listHyperVVms,
  parseTarget,
  registerHvsockService,
  unregisterHvsockService,
  vsockPortFromServiceId,
  vsockServiceId,
  wslVmId,
} from '@vmrpc/native';
import { decodeOutput, parseGetVmOutput, parseWslVmId } from '@vmrpc/native/testing';
import { HVSOCK_CLIENT_BIND_ADDRESS } from '@vmrpc/native/testing';
import { checkHvsockOptions, encodeOptionValue, hvsockOptionSettings, kernelConnectTimeout } from '@vmrpc/native/testing';
import { decodeSockaddr, encodeHvsock } from '@vmrpc/native/testing';
import { WINDOWS_ERRORS, windowsErrorInfo, windowsSystemError } from '@vmrpc/native/testing';
import { rejection } from '../support/checks.js';

const NOT_WINDOWS = process.platform !== 'win32';

describe('Hyper-V sockets without Windows', () => {
  describe('SOCKADDR_HV', () => {
    it('lays out family 34, a zero reserved field and two GUIDs with little-endian first fields, byte by byte', () => {
      const bytes = encodeHvsock({ vmId: '01234567-89ab-cdef-0123-456789abcdef', serviceId: 'fedcba98-7654-3210-fedc-ba9876543210' });
      expect([...bytes]).to.deep.equal([
        0x22, 0x00, 0x00, 0x00,
        // VmId: Data1 (LE), Data2 (LE), Data3 (LE), Data4 as written
        0x67, 0x45, 0x23, 0x01, 0xab, 0x89, 0xef, 0xcd, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        // ServiceId
        0x98, 0xba, 0xdc, 0xfe, 0x54, 0x76, 0x10, 0x32, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
      ]);
    });

    it('decodes what it encodes for every well-known VM id', () => {
      for (const [name, vmId] of Object.entries(HV_WELL_KNOWN_VM_IDS)) {
        const address = { family: 'hvsock' as const, vmId, serviceId: vsockServiceId(5000) };
        expect(decodeSockaddr(encodeHvsock(address)), name).to.deep.equal(address);
      }
    });

    it('binds clients to the wildcard VM and service: 36 bytes, all zero after the family', () => {
      expect(HVSOCK_CLIENT_BIND_ADDRESS.length).to.equal(36);
      expect(HVSOCK_CLIENT_BIND_ADDRESS.readUInt16LE(0)).to.equal(34);
      expect(HVSOCK_CLIENT_BIND_ADDRESS.subarray(2).every((b) => b === 0)).to.equal(true);
    });

    it('does not decode a truncated SOCKADDR_HV', () => {
      expect(decodeSockaddr(encodeHvsock({ vmId: HV_WELL_KNOWN_VM_IDS.parent!, serviceId: vsockServiceId(1) }).subarray(0, 35))).to.equal(undefined);
    });
  });

  describe('GUID <-> vsock port through the VSock template', () => {
    it('puts the port in Data1, which the wire carries little-endian', () => {
      const bytes = encodeHvsock({ vmId: HV_WELL_KNOWN_VM_IDS.wildcard!, serviceId: vsockServiceId(0x01020304) });
      expect(bytes.readUInt32LE(20)).to.equal(0x01020304);
      expect(bytes.subarray(24, 36).toString('hex')).to.equal('cbfae611bd5864006a7986d3');
    });

    it('maps both ways for ports across the range and refuses GUIDs off the template', () => {
      for (const port of [0, 1, 80, 1024, 5000, 65535, 0x7fffffff, 0xfffffffe, 0xffffffff]) {
        expect(vsockPortFromServiceId(vsockServiceId(port))).to.equal(port);
      }
      expect(vsockPortFromServiceId('00001388-facb-11e6-bd58-64006a7986d4')).to.equal(undefined);
      expect(vsockPortFromServiceId('{00001388-FACB-11E6-BD58-64006A7986D3}')).to.equal(5000);
    });

    it('reads service arguments as ports or GUIDs (the CLI input)', () => {
      expect(hvsockServiceId(5000)).to.equal('00001388-facb-11e6-bd58-64006a7986d3');
      expect(hvsockServiceId('5000')).to.equal('00001388-facb-11e6-bd58-64006a7986d3');
      expect(hvsockServiceId('{C5D6E7F8-1111-2222-3333-444455556666}')).to.equal('c5d6e7f8-1111-2222-3333-444455556666');
      expect(() => hvsockServiceId('50.5')).to.throw(/neither a service id GUID nor a vsock port/);
      expect(() => hvsockServiceId(-1)).to.throw(RangeError);
    });
  });

  describe('hvsock targets', () => {
    it('accepts every well-known VM name in any case and round-trips it', () => {
      expect(Object.keys(HV_WELL_KNOWN_VM_IDS).sort()).to.deep.equal(['broadcast', 'children', 'loopback', 'parent', 'silohost', 'wildcard']);
      for (const [name, vmId] of Object.entries(HV_WELL_KNOWN_VM_IDS)) {
        for (const spelling of [name, name.toUpperCase()]) {
          expect(parseTarget(`hvsock:${spelling}:80`)).to.deep.equal({ family: 'hvsock', vmId, serviceId: vsockServiceId(80) });
        }
        expect(formatTarget(parseTarget(`hvsock:${vmId}:80`))).to.equal(`hvsock:${name}:80`);
      }
    });

    it('keeps other VM ids and service ids as lowercase GUIDs', () => {
      const target = 'hvsock:{5A6F1B3C-0D2E-4F40-9A8B-7C6D5E4F3A2B}:{C5D6E7F8-1111-2222-3333-444455556666}';
      expect(parseTarget(target)).to.deep.equal({
        family: 'hvsock',
        vmId: '5a6f1b3c-0d2e-4f40-9a8b-7c6d5e4f3a2b',
        serviceId: 'c5d6e7f8-1111-2222-3333-444455556666',
      });
    });

    it('rejects bad VM ids, services and shapes with ERR_VMRPC_INVALID_TARGET naming the bad part', () => {
      const cases: Array<[string, RegExp]> = [
        ['hvsock:', /expected hvsock:VMID:SERVICE/],
        ['hvsock:parent', /expected hvsock:VMID:SERVICE/],
        ['hvsock:parent:1:2', /expected hvsock:VMID:SERVICE/],
        ['hvsock:wsl:1', /VM id "wsl" is not a GUID \(or one of wildcard, broadcast, children, loopback, parent, silohost\)/],
        ['hvsock:5a6f1b3c-0d2e-4f40-9a8b:1', /VM id "5a6f1b3c-0d2e-4f40-9a8b"/],
        ['hvsock:parent:', /service "" is neither a GUID nor a port number/],
        ['hvsock:parent:-5', /service "-5"/],
        ['hvsock:parent:4294967296', /service port 4294967296 is not an integer from 0 to 4294967295/],
        ['hvsock:parent:99999999999', /service port "99999999999"/],
        ['hvsock:parent:0x10', /service "0x10"/],
      ];
      for (const [target, message] of cases) {
        let error: (Error & { code?: string }) | undefined;
        try {
          parseTarget(target);
        } catch (caught) {
          error = caught as Error & { code?: string };
        }
        expect(error, target).to.not.equal(undefined);
        expect(error!.code, target).to.equal('ERR_VMRPC_INVALID_TARGET');
        expect(error!.message, target).to.match(message);
      }
    });
  });

  describe('Windows error table', () => {
    it('maps the codes Hyper-V sockets meet to the names libuv gives them', () => {
      const expected: Record<number, [string, string]> = {
        64: ['ERROR_NETNAME_DELETED', 'ECONNRESET'],
        121: ['ERROR_SEM_TIMEOUT', 'ETIMEDOUT'],
        995: ['ERROR_OPERATION_ABORTED', 'ECANCELED'],
        1225: ['ERROR_CONNECTION_REFUSED', 'ECONNREFUSED'],
        1231: ['ERROR_NETWORK_UNREACHABLE', 'ENETUNREACH'],
        1232: ['ERROR_HOST_UNREACHABLE', 'EHOSTUNREACH'],
        1236: ['ERROR_CONNECTION_ABORTED', 'ECONNABORTED'],
        10013: ['WSAEACCES', 'EACCES'],
        10035: ['WSAEWOULDBLOCK', 'EAGAIN'],
        10047: ['WSAEAFNOSUPPORT', 'EAFNOSUPPORT'],
        10048: ['WSAEADDRINUSE', 'EADDRINUSE'],
        10049: ['WSAEADDRNOTAVAIL', 'EADDRNOTAVAIL'],
        10051: ['WSAENETUNREACH', 'ENETUNREACH'],
        10054: ['WSAECONNRESET', 'ECONNRESET'],
        10057: ['WSAENOTCONN', 'ENOTCONN'],
        10060: ['WSAETIMEDOUT', 'ETIMEDOUT'],
        10061: ['WSAECONNREFUSED', 'ECONNREFUSED'],
        10065: ['WSAEHOSTUNREACH', 'EHOSTUNREACH'],
      };
      for (const [code, [symbol, name]] of Object.entries(expected)) {
        expect(windowsErrorInfo(Number(code)), code).to.deep.equal({ symbol, code: name });
        expect(windowsErrorInfo(-Number(code)), `-${code}`).to.deep.equal({ symbol, code: name });
      }
      expect(windowsErrorInfo(12345)).to.equal(undefined);
    });

    it('has one entry per code, Winsock symbols only on 10000+ codes, and errno names Node knows', () => {
      const known = new Set([...util.getSystemErrorMap().values()].map(([name]) => name));
      for (const [code, info] of WINDOWS_ERRORS) {
        expect(info.symbol.startsWith('WSA'), info.symbol).to.equal(code >= 10000);
        expect(known.has(info.code), `${info.symbol} -> ${info.code}`).to.equal(true);
      }
    });

    it('builds node:net-style errors that keep the Windows symbol and number', () => {
      const error = windowsSystemError(-10061, 'connect', 'hvsock:parent:5000', 'nothing listens');
      expect(error.message).to.equal('connect ECONNREFUSED hvsock:parent:5000 (WSAECONNREFUSED; nothing listens)');
      expect(error).to.include({ code: 'ECONNREFUSED', syscall: 'connect', address: 'hvsock:parent:5000', winerror: 10061 });
      expect(error.errno).to.be.below(0);
      const unknown = windowsSystemError(-31337, 'recv');
      expect(unknown.code).to.equal('UNKNOWN');
      expect(unknown.message).to.equal('recv UNKNOWN (Windows error 31337)');
    });
  });

  describe('hvsock options', () => {
    it('bounds HVSOCKET_CONNECT_TIMEOUT to 1..300000 ms and derives it from connectTimeout', () => {
      expect(HVSOCKET_CONNECT_TIMEOUT_MAX).to.equal(300_000);
      expect(checkHvsockOptions('o', { connectTimeout: 300_000 })).to.deep.equal({ connectTimeout: 300_000 });
      for (const bad of [0, -1, 300_001, 1.5, Infinity, NaN]) {
        expect(() => checkHvsockOptions('o', { connectTimeout: bad }), String(bad)).to.throw(RangeError, /integer from 1 to 300000/);
      }
      expect(() => checkHvsockOptions('o', { connectTimeout: '5' as unknown as number })).to.throw(TypeError);
      expect([kernelConnectTimeout(0.2), kernelConnectTimeout(2500.1), kernelConnectTimeout(1e9), kernelConnectTimeout(Infinity)]).to.deep.equal([1, 2501, 300_000, 300_000]);
    });

    it('checks the flags are booleans and lists what to set, in order, as 32-bit values', () => {
      expect(() => checkHvsockOptions('options.hvsock', { highVtl: 1 as unknown as boolean })).to.throw(TypeError, /options\.hvsock\.highVtl/);
      expect(() => checkHvsockOptions('options.hvsock', 'x' as never)).to.throw(TypeError);
      const options = checkHvsockOptions('o', { connectedSuspend: true, containerPassthru: false, highVtl: true });
      expect(hvsockOptionSettings(options, 5000).map(({ name, value }) => [name, value])).to.deep.equal([[1, 5000], [4, 1], [2, 0], [8, 1]]);
      expect(hvsockOptionSettings({}, undefined)).to.deep.equal([]);
      expect(encodeOptionValue(300_000).toString('hex')).to.equal('e0930400');
    });

    it('rejects bad hvsock options in connect() and createServer() before any socket exists', () => {
      expect(() => createServer({ hvsock: { connectedSuspend: 'yes' as unknown as boolean } })).to.throw(TypeError);
      expect(() => createConnection('hvsock:parent:1', { hvsock: { connectTimeout: 400_000 } })).to.throw(RangeError);
    });
  });

  describe('discovery output parsers', () => {
    it('reads Get-VM JSON: arrays, a lone object, a BOM, empty output', () => {
      const vm = { Id: '5A6F1B3C-0D2E-4F40-9A8B-7C6D5E4F3A2B', Name: 'ubuntu', State: 'Running' };
      const expected = { id: '5a6f1b3c-0d2e-4f40-9a8b-7c6d5e4f3a2b', name: 'ubuntu', state: 'Running' };
      expect(parseGetVmOutput(JSON.stringify([vm, { ...vm, Name: 'b', State: 'Off' }]))).to.deep.equal([expected, { ...expected, name: 'b', state: 'Off' }]);
      expect(parseGetVmOutput(`\uFEFF${JSON.stringify(vm)}\r\n`)).to.deep.equal([expected]);
      expect(parseGetVmOutput('  \r\n')).to.deep.equal([]);
      expect(() => parseGetVmOutput('Get-VM : You do not have the required permission')).to.throw(/printed no JSON/);
      expect(() => parseGetVmOutput('[{"Id":"nope"}]')).to.throw(/without a GUID id/);
    });

    it('finds the WSL VM id in wslinfo output, and decodes wsl.exe UTF-16 messages', () => {
      expect(parseWslVmId('{1B9DFC8C-0B5E-4F4F-B2A0-6E2F8D7E6E4E}\n')).to.equal('1b9dfc8c-0b5e-4f4f-b2a0-6e2f8d7e6e4e');
      expect(parseWslVmId('wslinfo: unknown option --vm-id')).to.equal(undefined);
      const utf16 = Buffer.from('There is no distribution installed.\r\n', 'utf16le');
      expect(decodeOutput(utf16)).to.equal('There is no distribution installed.\r\n');
      expect(decodeOutput(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('é', 'utf16le')]))).to.equal('é');
      expect(decodeOutput(Buffer.from('1b9dfc8c-0b5e-4f4f-b2a0-6e2f8d7e6e4e\n'))).to.equal('1b9dfc8c-0b5e-4f4f-b2a0-6e2f8d7e6e4e\n');
    });
  });

  describe('off Windows', () => {
    before(function () {
      if (!NOT_WINDOWS) this.skip();
    });

    it('every Windows-only API rejects with ERR_VMRPC_UNSUPPORTED_PLATFORM naming the OS', async () => {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['registerHvsockService()', () => registerHvsockService({ service: 5000, name: 'x' })],
        ['unregisterHvsockService()', () => unregisterHvsockService(5000)],
        ['listHvsockServices()', () => listHvsockServices()],
        ['isElevated()', () => isElevated()],
        ['listHyperVVms()', () => listHyperVVms()],
        ['wslVmId()', () => wslVmId()],
      ];
      for (const [name, call] of calls) {
        const error = await rejection(call());
        expect(error.code, name).to.equal('ERR_VMRPC_UNSUPPORTED_PLATFORM');
        expect(error.message, name).to.contain(`${name}: not supported on ${process.platform} (Windows only)`);
      }
    });

    it('hvsock targets fail with advice for Linux guests: connect to vsock:2:PORT instead', async () => {
      const error = await rejection(connect('hvsock:parent:5000'));
      expect(error.code).to.equal('ERR_VMRPC_UNSUPPORTED_PLATFORM');
      expect(error.message).to.contain(`hvsock:parent:5000 (Hyper-V sockets): not supported on ${process.platform}`);
      expect(error.message).to.contain('use vsock:2:PORT');
      const listenError = await rejection(createServer().listen('hvsock:wildcard:5000'));
      expect(listenError.code).to.equal('ERR_VMRPC_UNSUPPORTED_PLATFORM');
    });
  });
});

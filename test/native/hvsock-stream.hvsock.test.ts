// Hyper-V stream sockets on a real Windows: hvsock loopback (HV_GUID_LOOPBACK), the overlapped
// data path, options read back from Windows, and service registration when elevated.
import { expect } from 'chai';
import {
  HV_PROTOCOL_RAW,
  HVSOCKET_CONNECT_TIMEOUT,
  isElevated,
  listHvsockServices,
  registerHvsockService,
  unregisterHvsockService,
  formatTarget,
  normalizeGuid,
} from '@vmrpc/native';
import { randomUUID } from 'node:crypto';
import { win32Binding } from '@vmrpc/native/testing';
import { encodeOptionValue } from '@vmrpc/native/testing';
import { freshHvsockServicePort, requireHvsock } from '../support/hvsock-gate.js';
import { defineStreamSuite } from './stream-suite.js';

describe('Hyper-V stream sockets (hvsock loopback, Windows)', function () {
  requireHvsock(this);

  defineStreamSuite({
    listenTarget: () => `hvsock:loopback:${freshHvsockServicePort()}`,
    connectTarget: (server) => formatTarget(server.address()!),
    refusedTarget: () => `hvsock:loopback:${freshHvsockServicePort()}`,
    // A connect to a service nobody listens on may wait for HVSOCKET_CONNECT_TIMEOUT instead.
    refusedCodes: ['ECONNREFUSED', 'ETIMEDOUT'],
    bulkBytes: 64 << 20,
    concurrentConnections: 100,
    dataPaths: ['portable'],
    countFds: false,
    checkAcceptedPeer: (socket) => {
      const peer = socket.remoteVmAddress;
      expect(peer?.family).to.equal('hvsock');
      expect(normalizeGuid((peer as { vmId: string }).vmId)).to.be.a('string');
      expect(normalizeGuid((peer as { serviceId: string }).serviceId)).to.be.a('string');
    },
  });

  it('takes HVSOCKET_CONNECT_TIMEOUT and reads it back', () => {
    const binding = win32Binding('test');
    const { constants } = binding;
    const socket = binding.socket(constants.AF_HYPERV, constants.SOCK_STREAM, constants.HV_PROTOCOL_RAW);
    expect(socket).to.be.above(0);
    try {
      expect(binding.setsockopt(socket, HV_PROTOCOL_RAW, HVSOCKET_CONNECT_TIMEOUT, encodeOptionValue(4321))).to.equal(0);
      const out = Buffer.alloc(4);
      expect(binding.getsockopt(socket, HV_PROTOCOL_RAW, HVSOCKET_CONNECT_TIMEOUT, out)).to.equal(4);
      expect(out.readUInt32LE(0)).to.equal(4321);
    } finally {
      binding.close(socket);
    }
  });

  it('registers, lists and unregisters a service when elevated', async function () {
    if (!(await isElevated())) {
      console.log('      (registry test skipped: not elevated; CI runners are)');
      this.skip();
    }
    const serviceId = randomUUID();
    try {
      const result = await registerHvsockService({ service: serviceId, name: 'vmrpc test' });
      expect(result.created).to.equal(true);
      expect(await listHvsockServices()).to.deep.include({ serviceId, port: undefined, name: 'vmrpc test' });
    } finally {
      expect(await unregisterHvsockService(serviceId)).to.equal(true);
    }
    expect((await listHvsockServices()).some((s) => s.serviceId === serviceId)).to.equal(false);
  });
});

/**
 * What a socket read of the vmrpc engine brings (a response, a status) is told to the call's
 * listener at the end of that read, not on a process tick of its own: one tick less per call.
 * A listener that throws there still reaches 'uncaughtException' (as from a tick), its call still
 * gets its status, and the connection goes on carrying calls.
 */
import * as grpc from '@grpc/grpc-js';
import { closeClient, createClient } from '@vmrpc/rpc';
import { createChannel } from '@vmrpc/transport';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { servedStreamingClient } from '../../rpc/direct-calls.js';
import { StreamingService } from '../../rpc/generated/vmrpc/testing/v1/streaming.js';

const CALLS = 20;

describe('h2 engine: call listeners are told at the end of a socket read', function () {
  const served = servedStreamingClient('read-end');

  /** The ticks scheduled by the client's listener deliveries over CALLS sequential unary calls. */
  async function deliveryTicks(engine: 'node' | 'vmrpc'): Promise<number> {
    const client = createClient(StreamingService, served.target, { http2: engine });
    try {
      await within(5000, 'warm-up call', client.ping({}));
      const original = process.nextTick;
      let ticks = 0;
      process.nextTick = function (this: NodeJS.Process, ...args: Parameters<typeof original>): void {
        if (/listener-deliveries\.js/.test(new Error().stack ?? '')) ticks++;
        original.apply(this, args);
      } as typeof original;
      try {
        for (let i = 0; i < CALLS; i++) await within(5000, 'ping', client.ping({}));
      } finally {
        process.nextTick = original;
      }
      return ticks;
    } finally {
      closeClient(client);
    }
  }

  it('a unary response and its status take no tick of their own on the vmrpc engine', async function () {
    // The probe sees delivery ticks where they are still taken (node:http2's streams end on ticks).
    expect(await deliveryTicks('node')).to.be.at.least(CALLS);
    expect(await deliveryTicks('vmrpc')).to.equal(0);
  });

  it('a listener that throws reaches uncaughtException; its call ends OK and the connection carries the next call', async function () {
    const channel = createChannel(served.target, { http2: 'vmrpc' });
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    try {
      const thrown = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
      let statuses: grpc.StatusObject[] = [];
      const ended = new Promise<void>((resolve) => {
        const call = channel.createCall('/vmrpc.testing.v1.Streaming/Ping', Date.now() + 5000, null, null, 0);
        call.start(new grpc.Metadata(), {
          onReceiveMetadata() {},
          onReceiveMessage() {
            throw new Error('listener failed');
          },
          onReceiveStatus(status) {
            statuses = [...statuses, status];
            resolve();
          },
        });
        call.sendMessageWithContext({}, Buffer.alloc(0));
        call.halfClose();
        call.startRead();
      });
      expect((await within(5000, 'the uncaught error', thrown)).message).to.equal('listener failed');
      await within(5000, 'the status', ended);
      expect(statuses.map((status) => status.code)).to.deep.equal([grpc.status.OK]);
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const handler of mochaHandlers) process.on('uncaughtException', handler);
    }
    const client = createClient(StreamingService, channel);
    try {
      expect(await within(5000, 'the next call', client.ping({}))).to.deep.equal({});
    } finally {
      closeClient(client);
    }
  });
});

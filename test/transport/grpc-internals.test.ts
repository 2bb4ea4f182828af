// The grpc-js internals the channel relies on are checked when a channel is created: a grpc-js
// without one fails there with an error that names the member and the tested range, not with a
// TypeError in the middle of a call. (pnpm test:grpc-latest runs the suites on the newest 1.x.)
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createChannel } from '@vmrpc/transport';
import { socketPath } from '../support/checks.js';

function creationError(create: () => unknown): Error {
  try {
    create();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected createChannel() to throw');
}

describe('grpc-js internals used by the channel', () => {
  const target = `unix:${socketPath('internals')}`;

  it('are all present in the installed grpc-js (a channel is created and closed)', () => {
    createChannel(target).close();
    createChannel(target, { credentials: grpc.credentials.createSsl() }).close();
  });

  it('a ChannelCredentials without _createSecureConnector: a clear error naming it and the tested range', () => {
    const credentials = grpc.credentials.createInsecure();
    Object.defineProperty(credentials, '_createSecureConnector', { value: undefined });
    const error = creationError(() => createChannel(target, { credentials }));
    expect(error.message).to.contain('ChannelCredentials#_createSecureConnector is missing');
    expect(error.message).to.contain('@grpc/grpc-js@"~1.14.0"');
    expect(error.message).to.match(/installed @grpc\/grpc-js \d+\.\d+\.\d+/);
  });

  it('a secure connector without getCallCredentials(): a clear error', () => {
    const credentials = grpc.credentials.createInsecure();
    const original = credentials._createSecureConnector.bind(credentials);
    Object.defineProperty(credentials, '_createSecureConnector', {
      value: (...args: Parameters<typeof original>) => ({ ...original(...args), getCallCredentials: undefined }),
    });
    expect(creationError(() => createChannel(target, { credentials })).message).to.contain('the secure connector has no getCallCredentials()');
  });

  it('CallCredentials without _equals: a clear error at channel creation', () => {
    const prototype = Object.getPrototypeOf(grpc.CallCredentials.createEmpty()) as { _equals?: unknown };
    const original = Object.getOwnPropertyDescriptor(prototype, '_equals')!;
    delete prototype._equals;
    try {
      expect(creationError(() => createChannel(target)).message).to.contain('CallCredentials#_equals is missing');
    } finally {
      Object.defineProperty(prototype, '_equals', original);
    }
  });
});

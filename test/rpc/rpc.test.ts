// The typed client and server over a Unix socket (the host side of every target).
import { socketPath } from '../support/checks.js';
import { rpcSuite } from './rpc-suite.js';

describe('rpc over unix:', function () {
  let counter = 0;
  rpcSuite(() => {
    const target = `unix:${socketPath(`rpc-${counter++}`)}`;
    return { listen: target, connect: target, peer: /^unix:/ };
  });
});

// A vmrpc-engine connection holds its last small finished call, so that V8 13+ keeps the hidden
// classes of a call's objects through full collections (docs/architecture.md, "Hidden classes and
// full collections"); these are the bounds of that hold, measured with forced collections in a
// child process: a call that carried more than 64 KiB is not held, a small one is held only until
// the next call or the end of the connection.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PROCESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'held-stream-process.js');

describe('transport: what an idle vmrpc-engine connection holds of finished calls', function () {
  it('holds no call that carried more than 64 KiB, and a small one only until the next call or close()', async function () {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', PROCESS], { timeout: 20_000 });
    expect(JSON.parse(stdout)).to.deep.equal({ largeCollectedWhileIdle: true, smallHeldWhileIdle: true, smallReleasedByNextCall: true, releasedAtClose: true });
  });
});

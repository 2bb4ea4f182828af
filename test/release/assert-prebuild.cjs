// Mocha --require for runs that must prove a prebuild (not a local build/) is what loads: fails
// the run unless @vmrpc/native resolves its addon to prebuilds/<platform>-<arch>/ of this process.
'use strict';

const path = require('node:path');

const nativeDir = path.dirname(require.resolve('@vmrpc/native/package.json'));
const resolved = require(require.resolve('node-gyp-build', { paths: [nativeDir] })).path(nativeDir);
const expected = path.join(nativeDir, 'prebuilds', `${process.platform}-${process.arch}`);
if (path.dirname(resolved) !== expected) {
  throw new Error(`expected the addon from ${expected}, node-gyp-build chose ${resolved} (set PREBUILDS_ONLY=1)`);
}
require(resolved);
console.log(`addon: ${path.relative(nativeDir, resolved)} on Node ${process.version} ${process.arch}`);

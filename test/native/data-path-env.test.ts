// VMRPC_DATA_PATH forces a data path for the whole process (where code asks for 'auto').
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const nativeEntry = createRequire(import.meta.url).resolve('@vmrpc/native');

function dataPathIn(env: Record<string, string>, option: string): string {
  const script = `
    const v = require(${JSON.stringify(nativeEntry)});
    const path = '/tmp/vmrpc-env-' + process.pid + '.sock';
    const server = v.createServer((s) => s.end());
    server.listen('unix:' + path).then(async () => {
      const socket = await v.connect('unix:' + path, { dataPath: ${JSON.stringify(option)} });
      process.stdout.write(socket.dataPath);
      socket.destroy();
      server.close();
    });`;
  return execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, timeout: 20_000 }).toString();
}

describe('VMRPC_DATA_PATH', () => {
  it('forces the portable path where the code asks for auto', () => {
    expect(dataPathIn({ VMRPC_DATA_PATH: 'portable' }, 'auto')).to.equal('portable');
  });

  it('leaves auto on the native-handle path when unset, and an explicit option wins', () => {
    expect(dataPathIn({ VMRPC_DATA_PATH: '' }, 'auto')).to.equal('native-handle');
    expect(dataPathIn({ VMRPC_DATA_PATH: 'portable' }, 'native-handle')).to.equal('native-handle');
  });

  it('falls back to the portable path when Node refuses process.binding (the permission model)', function () {
    const out = execFileSync(process.execPath, [permissionFlag(), '--allow-fs-read=*', '--allow-addons', '-e', `
      const available = require(${JSON.stringify(nativeEntry)}).nativeHandleAvailable();
      process.stdout.write(JSON.stringify({ permissionModel: process.permission !== undefined, available }));`], {
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    // The first field proves the flag took effect on this Node line: without it the test proves nothing.
    expect(JSON.parse(out)).to.deep.equal({ permissionModel: true, available: false });
  });
});

/**
 * Each Node line's own flag: `--experimental-permission` on 20 (and 22.0-22.12, 23.0-23.4),
 * `--permission` from 22.13 and 23.5 on; 24 and later refuse the old name.
 */
function permissionFlag(): string {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const renamed = major >= 24 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return renamed ? '--permission' : '--experimental-permission';
}

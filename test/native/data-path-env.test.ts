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

  it('falls back to the portable path when Node refuses process.binding (--permission)', function () {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 20) this.skip();
    const script = `process.stdout.write(String(require(${JSON.stringify(nativeEntry)}).nativeHandleAvailable()))`;
    const out = execFileSync(process.execPath, ['--experimental-permission', '--allow-fs-read=*', '--allow-addons', '-e', script], {
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    expect(out).to.equal('false');
  });
});

// Every command has --help; `vmrpc --help` lists every command file; usage mistakes exit 2.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, runCli } from './run-cli.js';

const commandNames = fs
  .readdirSync(path.join(repoRoot, 'packages/cli/dist/commands'))
  .filter((file) => file.endsWith('.js'))
  .map((file) => path.basename(file, '.js'))
  .sort();

describe('vmrpc: help, version, usage errors', () => {
  it('has the commands this package promises', () => {
    expect(commandNames).to.include.members(['agents', 'call', 'cid', 'hvsock', 'list', 'nc', 'ping', 'vms']);
  });

  it('vmrpc --help lists every command with its summary, and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).to.equal(0);
    const text = result.stdout.toString();
    for (const name of commandNames) expect(text).to.match(new RegExp(`^  ${name}\\s+\\S`, 'm'));
    expect(text).to.match(/exit codes: 0 success, 1 failure, 2 usage error, 64\+N/);
  });

  for (const name of commandNames) {
    it(`vmrpc ${name} --help prints its usage and exits 0`, async () => {
      const result = await runCli([name, '--help']);
      expect(result.code).to.equal(0);
      expect(result.stdout.toString()).to.match(new RegExp(`^usage: vmrpc ${name} `));
      expect(result.stdout.toString()).to.include('--debug');
      expect(result.stderr).to.equal('');
    });
  }

  it('--version prints the version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).to.equal(0);
    expect(result.stdout.toString()).to.match(/^vmrpc \d+\.\d+\.\d+\n$/);
  });

  it('an unknown command, an unknown option and a missing argument exit 2 with one line', async () => {
    for (const args of [['frobnicate'], ['nc', '--frobnicate', 'unix:/x'], ['call', 'unix:/x'], ['nc']]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).to.have.length(1);
      expect(result.stderr).to.match(/--help/);
    }
  });

  it('a malformed target exits 2 with the message naming the bad part, and no stack trace', async () => {
    const result = await runCli(['nc', 'vsock:abc:5000']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal('vmrpc nc: Invalid VM socket target "vsock:abc:5000": CID "abc" is not a number from 0 to 4294967295, "any" or -1\n');
  });

  it('--debug adds the stack trace', async () => {
    const result = await runCli(['--debug', 'nc', 'vsock:abc:5000']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^vmrpc nc: Invalid VM socket target/);
    expect(result.stderr).to.match(/\n\s+at /);
  });

  it('vmrpc cid without a vsock device says why in one line (no ioctl reaches any vsock driver)', async () => {
    const result = await runCli(['cid', '--device', '/dev/vmrpc-no-such-vsock-device']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal('vmrpc cid: no vsock transport: is this a VM? is vsock_loopback loaded? (ENOENT on /dev/vmrpc-no-such-vsock-device)\n');
    expect(result.stdout.length).to.equal(0);
  });
});

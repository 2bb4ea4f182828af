/**
 * examples/host-guest-agent on this machine, over Unix sockets: `pnpm demo` as the root script
 * runs it, then the host and the agent on their own, with the agent's limits.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { nodeHasCompileCache, runCountingCompileCache } from '../support/compile-cache.js';
import { checkout, exampleScript, runNode, startNode, type NodeProcess } from './run-node.js';

const DEMO = exampleScript('host-guest-agent', 'demo');
const HOST = exampleScript('host-guest-agent', 'host');
const AGENT = exampleScript('host-guest-agent', 'agent');

describe('examples/host-guest-agent', function () {
  let dir: string;
  let target: string;
  const started: NodeProcess[] = [];

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'vmrpc-example-test-'));
    target = `unix:${join(dir, 'agents.sock')}`;
  });

  afterEach(function () {
    for (const process of started.splice(0)) process.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** A host visiting one agent with `visit` arguments, and an agent with `policy` arguments. */
  async function visit(visitArgs: string[], policyArgs: string[]): Promise<string> {
    const host = startNode(HOST, ['--listen', target, '--once', '--wait', '10', ...visitArgs]);
    started.push(host);
    await host.waitFor(/host: listening/);
    const agent = startNode(AGENT, ['--connect', target, '--id', 'test-agent', '--once', ...policyArgs]);
    started.push(agent);
    const [hostResult, agentResult] = await Promise.all([host.done, agent.done]);
    expect(agentResult.code, agentResult.stderr).to.equal(0);
    expect(hostResult.stderr).to.equal('');
    return `${hostResult.code}\n${hostResult.stdout}`;
  }

  it('`pnpm demo` runs host and agent end to end and says which transport it used and why', async function () {
    const script = (JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo;
    expect(script).to.equal('pnpm build && node examples/host-guest-agent/dist/demo.js');
    const result = await runNode(DEMO, ['--transport', 'unix']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const out = result.stdout;
    expect(out).to.match(/^transport: Unix socket \(unix:\/.+\.sock\)$/m);
    expect(out).to.match(/^ {2}why: asked for with --transport unix$/m);
    expect(out).to.match(/agent \| agent demo-agent: registered; the host sees this guest as unix:/);
    expect(out).to.match(/host {2}\| {5}demo-agent +online since/);
    expect(out).to.match(/host {2}\| {5}kernel +\S+ \S+ \(\w+\)/);
    expect(out).to.match(/\$ uname -a\n.*out \| \S+.*\n.* exit code 0, ran \d+ ms/);
    expect(out).to.match(/err \| ls: cannot access '\/nonexistent'/);
    expect(out).to.match(/out \| d\S+ .* \/etc\n/);
    expect(out).to.include('exit code 2, ran');
    expect(out).to.include('refused: PERMISSION_DENIED: this agent does not run "reboot" (start it with --allow reboot)');
    expect(out).to.match(/read \/etc\/os-release\n.*\/\S+: \d+(\.\d)? K?i?B, modified/);
    expect(out).to.include('refused: NOT_FOUND: no such file: /etc/vmrpc-demo-missing');
    expect(out).to.match(/agent demo-agent: the host is going away \(host-closed\); exiting \(--once\)/);
    expect(out).to.match(/^demo: done in \d+\.\d s over Unix socket \(exit codes: host 0, agent 0\)$/m);
  });

  it('picks a Unix socket by itself where the kernel has no vsock loopback, and says why', async function () {
    if (existsSync('/sys/module/vsock_loopback')) this.skip();
    const result = await runNode(DEMO, []);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^ {2}why: this kernel has no vsock_loopback \(no \/sys\/module\/vsock_loopback\)/m);
  });

  it('refuses --transport vsock-loopback without the module, in one line, without touching vsock', async function () {
    if (existsSync('/sys/module/vsock_loopback')) this.skip();
    const result = await runNode(DEMO, ['--transport', 'vsock-loopback']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal('demo: --transport vsock-loopback: this kernel has no vsock_loopback (modprobe vsock_loopback, in a VM of your own)\n');
  });

  it('reads files under the roots only, up to the size limit, and says why not', async function () {
    const root = join(dir, 'root');
    writeFileSync(join(dir, 'outside.txt'), 'secret\n');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'small.txt'), 'line 1\nline 2\n');
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(2000, 1));
    const out = await visit(
      ['--run', 'true', '--read', join(root, 'small.txt'), '--read', join(root, 'big.bin'), '--read', join(dir, 'outside.txt'), '--read', `${root}/../outside.txt`, '--read', join(root, 'sub'), '--read', 'relative.txt'],
      ['--read-root', root, '--max-read-bytes', '1000'],
    );
    expect(out).to.match(/^0\n/);
    expect(out).to.match(/\| line 1\n.*\| line 2\n.*14 B received/);
    expect(out).to.include(`refused: OUT_OF_RANGE: ${root}/big.bin is 2000 bytes or more; this agent sends at most 1000 (--max-read-bytes)`);
    expect(out.split(`refused: PERMISSION_DENIED: ${dir}/outside.txt is outside this agent's readable roots (${root}; see --read-root)`)).to.have.length(3);
    expect(out).to.include(`refused: FAILED_PRECONDITION: ${root}/sub is not a regular file`);
    expect(out).to.include('refused: INVALID_ARGUMENT: path must be absolute: "relative.txt"');
    expect(out).to.include('refused: PERMISSION_DENIED: this agent does not run "true" (start it with --allow true)');
  });

  it('kills a command at its timeout, streams output as it comes, and runs any command only when told to', async function () {
    const out = await visit(
      ['--run', JSON.stringify(['sh', '-c', 'echo early; sleep 5']), '--run', 'no-such-command-vmrpc'],
      ['--allow-any-command', '--command-timeout', '0.8'],
    );
    expect(out).to.match(/^0\n/);
    // The line arrives while the command still runs, long before the kill.
    const early = /\+(\d+\.\d+) s out \| early\n.*killed by SIGKILL after its timeout, ran (\d+) ms/.exec(out);
    expect(early, out).to.not.equal(null);
    expect(Number(early![1])).to.be.below(0.6);
    expect(Number(early![2])).to.be.within(700, 3000);
    expect(out).to.include('refused: NOT_FOUND: command not found: no-such-command-vmrpc');
  });

  it('bounds the wait for an agent, and makes a bad target one line', async function () {
    const host = await runNode(HOST, ['--listen', target, '--once', '--wait', '0.3']);
    expect(host.code).to.equal(1);
    expect(host.stdout).to.include('host: no agent registered within 0.3 s');
    const agent = await runNode(AGENT, ['--connect', 'vsock:nowhere:1']);
    expect(agent.code).to.equal(1);
    expect(agent.stderr.trim().split('\n')).to.have.length(1);
    expect(agent.stderr).to.match(/^agent: cannot register with vsock:nowhere:1: .*nowhere/);
    const usage = await runNode(HOST, ['--bogus']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(/^host: Unknown option '--bogus'/);
  });

  it('the agent caches its compiled code for the next start where Node can (22.1 and later), unless told not to', function () {
    const cached = runCountingCompileCache(mkdtempSync(join(dir, 'tmp-')), AGENT, ['--help'], false);
    expect(cached.stdout).to.match(/^usage: node dist\/agent.js/);
    if (nodeHasCompileCache) expect(cached.cacheEntries).to.be.greaterThan(100);
    else expect(cached.cacheEntries).to.equal(0);
    expect(runCountingCompileCache(mkdtempSync(join(dir, 'tmp-')), AGENT, ['--help'], true).cacheEntries).to.equal(0);
  });
});

/**
 * Finding VM ids on a Windows host: Hyper-V VMs through PowerShell's Get-VM (needs an
 * administrator or a member of "Hyper-V Administrators"), and the WSL 2 VM through
 * `wsl.exe -e wslinfo --vm-id` (no elevation; WSL 2.x). The WSL VM id changes at every WSL
 * restart, so look it up when you start listening. Parsing is separate and tested on every OS.
 */
import { execFile } from 'node:child_process';
import { notOnWindows } from './binding-win32';
import { VmError, invalidArgType } from './errors';
import { normalizeGuid } from './guid';
import { checkSignal, checkTimeout, optionalObject } from './options';

/** A Hyper-V VM as Get-VM reports it. */
export interface HyperVVm {
  /** The VM id (lowercase GUID): the VMID of `hvsock:VMID:SERVICE` targets. */
  readonly id: string;
  readonly name: string;
  /** Get-VM's state, e.g. `Running`, `Off`, `Saved`. Only running VMs accept connections. */
  readonly state: string;
}

/** Options of the discovery functions. */
export interface DiscoveryOptions {
  /** Milliseconds before the helper process is killed. Default 30000 (PowerShell and WSL can start slowly). */
  timeout?: number;
  signal?: AbortSignal;
}

/** Options of {@link wslVmId}. */
export interface WslVmIdOptions extends DiscoveryOptions {
  /** The WSL distribution to ask (`wsl.exe -d NAME`); default: the default distribution. */
  distribution?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

// One JSON array whatever the count (ConvertTo-Json would print a lone VM as an object).
const GET_VM_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  '$vms = @(Get-VM | ForEach-Object { [pscustomobject]@{ Id = $_.Id.ToString(); Name = $_.Name; State = $_.State.ToString() } })',
  'ConvertTo-Json -Compress -Depth 2 -InputObject $vms',
].join('; ');

/** The Hyper-V VMs of this host, with ids and states (PowerShell `Get-VM`). Windows only. */
export async function listHyperVVms(options?: DiscoveryOptions): Promise<HyperVVm[]> {
  const what = 'listHyperVVms()';
  if (process.platform !== 'win32') throw notOnWindows(what, 'list the VMs on the Windows host');
  const { stdout, stderr, error } = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', GET_VM_SCRIPT], options);
  if (error !== undefined) throw getVmError(what, error, decodeOutput(stderr));
  return parseGetVmOutput(decodeOutput(stdout));
}

/**
 * The id of the WSL 2 utility VM (lowercase GUID): listen on `hvsock:<id>:PORT` to accept a WSL
 * guest's connections to `vsock:2:PORT`. Starts WSL when it is not running. Windows only.
 */
export async function wslVmId(options?: WslVmIdOptions): Promise<string> {
  const what = 'wslVmId()';
  if (process.platform !== 'win32') throw notOnWindows(what, 'inside WSL, the host is vsock:2:PORT');
  const opts = optionalObject('options', options);
  const distribution = opts.distribution;
  if (distribution !== undefined && (typeof distribution !== 'string' || distribution.length === 0)) {
    throw invalidArgType('options.distribution', 'a non-empty string', distribution);
  }
  const args = [...(distribution === undefined ? [] : ['-d', distribution]), '-e', 'wslinfo', '--vm-id'];
  const { stdout, stderr, error } = await run('wsl.exe', args, opts);
  const output = `${decodeOutput(stdout)}\n${decodeOutput(stderr)}`;
  const id = error === undefined ? parseWslVmId(output) : undefined;
  if (id !== undefined) return id;
  throw new VmError(
    'ERR_VMRPC_DISCOVERY_FAILED',
    `${what}: \`wsl.exe ${args.join(' ')}\` gave no VM id (${summarize(error?.message ?? output)}). ` +
      'wslinfo --vm-id needs WSL 2.x (run `wsl --update`) and a WSL 2 distribution; ' +
      'alternatively, as administrator, `hcsdiag list` shows the VM owned by WSL',
    error === undefined ? undefined : { cause: error },
  );
}

/** Parses the JSON the Get-VM script prints; exported for tests. */
export function parseGetVmOutput(text: string): HyperVVm[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new VmError('ERR_VMRPC_DISCOVERY_FAILED', `listHyperVVms(): Get-VM printed no JSON (${summarize(trimmed)})`, { cause: error });
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  return items.map((item: unknown) => {
    const record = (item ?? {}) as Record<string, unknown>;
    const id = typeof record.Id === 'string' ? normalizeGuid(record.Id) : undefined;
    if (id === undefined) throw new VmError('ERR_VMRPC_DISCOVERY_FAILED', `listHyperVVms(): a VM without a GUID id in ${summarize(trimmed)}`);
    return { id, name: String(record.Name ?? ''), state: String(record.State ?? 'Unknown') };
  });
}

/** The VM id in wslinfo's output (braces and case vary), or undefined; exported for tests. */
export function parseWslVmId(text: string): string | undefined {
  const match = /\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?/i.exec(text);
  return match === null ? undefined : normalizeGuid(match[0]);
}

/**
 * Text from a Windows tool: wsl.exe writes its own messages in UTF-16LE, while programs it runs
 * (and PowerShell, told so) write UTF-8. Exported for tests.
 */
export function decodeOutput(bytes: Buffer): string {
  const body = bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2) : bytes;
  let zeros = 0;
  for (let i = 1; i < body.length; i += 2) if (body[i] === 0) zeros++;
  const utf16 = body !== bytes || (body.length >= 2 && zeros * 2 >= body.length / 2);
  return utf16 ? body.toString('utf16le') : body.toString('utf8');
}

interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  error: Error | undefined;
}

function run(file: string, args: string[], options: DiscoveryOptions | undefined): Promise<RunResult> {
  const opts = optionalObject('options', options);
  const timeout = checkTimeout('options.timeout', opts.timeout) ?? DEFAULT_TIMEOUT_MS;
  const signal = checkSignal('options.signal', opts.signal);
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { encoding: 'buffer', windowsHide: true, timeout: Number.isFinite(timeout) ? timeout : 0, maxBuffer: 16 << 20, ...(signal ? { signal } : {}) },
      (error, stdout, stderr) => resolve({ stdout, stderr, error: error ?? undefined }),
    );
  });
}

function getVmError(what: string, error: Error, stderr: string): Error {
  if (/required permission|access (is )?denied|authorization policy/i.test(stderr)) {
    return new VmError(
      'ERR_VMRPC_ELEVATION_REQUIRED',
      `${what}: Get-VM needs administrator rights or membership in the "Hyper-V Administrators" group (${summarize(stderr)})`,
      { cause: error },
    );
  }
  const missing = /not recognized|CommandNotFoundException/i.test(stderr);
  const advice = missing
    ? 'the Hyper-V PowerShell module is not installed: enable "Hyper-V Module for Windows PowerShell" in Windows Features'
    : summarize(stderr || error.message);
  return new VmError('ERR_VMRPC_DISCOVERY_FAILED', `${what}: Get-VM failed: ${advice}`, { cause: error });
}

function summarize(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

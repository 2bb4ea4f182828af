/**
 * Loads the compiled addon (a prebuild from prebuilds/ or a local build/) once, lazily, so that
 * the pure-JS parts (targets, GUIDs, constants) work even where the addon is missing.
 */
import * as path from 'node:path';
import { VmError } from './errors';

/**
 * What the addon exports, as far as this module needs to know: the platform it was built for.
 * binding.ts (NativeBinding, `linux`) and binding-win32.ts (Win32Binding, `win32`) narrow it.
 */
export interface AddonBinding {
  readonly platform: 'linux' | 'win32' | 'unsupported';
}

let loaded: AddonBinding | undefined;
let loadError: unknown;

/** The addon; throws ERR_VMRPC_NATIVE_UNAVAILABLE with the reason when it cannot be loaded. */
export function loadAddon(): AddonBinding {
  if (loaded !== undefined) return loaded;
  if (loadError === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const load = require('node-gyp-build') as (dir: string) => AddonBinding;
      loaded = load(path.join(__dirname, '..'));
      return loaded;
    } catch (error) {
      loadError = error;
    }
  }
  throw new VmError('ERR_VMRPC_NATIVE_UNAVAILABLE', unavailableMessage(loadError), { cause: loadError });
}

/**
 * The error when no binary was found: the reason, then how to get one with each package manager.
 * pnpm 10 (and npm/yarn with scripts disabled) skip the install script that builds from source.
 */
function unavailableMessage(error: unknown): string {
  // node-gyp-build's message lists the platform tags it looked for, then where it looked.
  const reason = (error instanceof Error ? error.message : String(error)).trim().replace(/\s*\n\s*/g, '; ');
  return [
    `The @vmrpc/native addon could not be loaded: ${reason}`,
    'Prebuilt binaries ship for linux-x64 and linux-arm64 (glibc) and win32-x64; elsewhere the package builds from',
    'source when it is installed, which needs its install script to run and python3, make and a C++ compiler. To fix:',
    '  pnpm: pnpm approve-builds (select @vmrpc/native), or add "@vmrpc/native" to "pnpm.onlyBuiltDependencies"',
    '        in package.json; then pnpm rebuild @vmrpc/native',
    '  npm:  npm rebuild @vmrpc/native (scripts must be enabled: no --ignore-scripts)',
    '  yarn: yarn rebuild @vmrpc/native',
    '  compiler: apt-get install python3 make g++ (Debian, Ubuntu); apk add python3 make g++ (Alpine);',
    '        dnf install python3 make gcc-c++ (Fedora); then rebuild as above',
  ].join('\n');
}

/**
 * @internal Tests only: puts `addon` in place of the compiled addon (undefined restores it), so
 * the Windows code paths run against a simulated addon on any OS.
 */
export function replaceAddonForTests(addon: AddonBinding | undefined): void {
  loaded = addon;
  loadError = undefined;
}


/**
 * Hyper-V socket tests need Windows with a Hyper-V socket provider (Windows 10 / Server 2016 or
 * later). Elsewhere, and on a Windows without the provider, the suites skip with one line saying
 * why. Any other failure to listen on loopback is a test failure, not a reason to skip.
 */
import { createServer } from '@vmrpc/native';

const reported = new Set<string>();
const PROVIDER_MISSING = new Set(['EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT']);
let probe: Promise<string | undefined> | undefined;

/** Call at the top of an hvsock describe(): skips it (saying why, once) unless Hyper-V sockets work here. */
export function requireHvsock(suite: Mocha.Suite): void {
  suite.beforeAll(async function () {
    probe ??= unavailableReason();
    const reason = await probe;
    if (reason === undefined) return;
    if (!reported.has(reason)) {
      reported.add(reason);
      console.log(`    (hvsock suites skipped: ${reason})`);
    }
    this.skip();
  });
}

async function unavailableReason(): Promise<string | undefined> {
  if (process.platform !== 'win32') return `they need Windows (this is ${process.platform}); the windows-latest workflow runs them`;
  const server = createServer();
  try {
    await server.listen(`hvsock:loopback:${freshHvsockServicePort()}`);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (PROVIDER_MISSING.has(code)) return `this Windows has no Hyper-V socket provider (${(error as Error).message})`;
    throw error;
  } finally {
    if (server.listening) server.close();
  }
}

let nextPort = 40_000 + (process.pid % 10_000);

/** A vsock-template service port no other test of this process uses. */
export function freshHvsockServicePort(): number {
  return nextPort++;
}

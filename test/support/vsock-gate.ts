/**
 * vsock tests run only where a vsock peer is ours: inside the project's VM harness
 * (VMRPC_HARNESS_GUEST=1), or on a machine whose owner opts in with VMRPC_TEST_VSOCK=1 (your
 * own VM with vsock_loopback). Anywhere else, a vsock socket would reach a hypervisor that is
 * not ours, so the suites skip with one line saying why.
 */
let reported = false;

export function vsockTestsAllowed(): boolean {
  return process.env.VMRPC_TEST_VSOCK === '1' || process.env.VMRPC_HARNESS_GUEST === '1';
}

/** Call at the top of a vsock describe(): skips it (saying why, once) unless allowed. */
export function requireVsockTestGuest(suite: Mocha.Suite): void {
  suite.beforeAll(function () {
    if (vsockTestsAllowed()) return;
    if (!reported) {
      reported = true;
      console.log('    (vsock suites skipped: they run in the VM harness, `pnpm test:vm`; set VMRPC_TEST_VSOCK=1 to run them on a VM of your own)');
    }
    this.skip();
  });
}

let nextPort = 20_000 + (process.pid % 10_000);

/** A vsock port no other test of this process uses. */
export function freshVsockPort(): number {
  return nextPort++;
}

/** Call at the top of a describe() whose tests need Linux (Unix seqpacket, SO_PEERCRED, the POSIX addon). */
export function linuxOnly(suite: Mocha.Suite): void {
  suite.beforeAll(function () {
    if (process.platform !== 'linux') this.skip();
  });
}

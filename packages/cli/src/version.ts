/** The CLI's version, as `vmrpc --version` prints it. */
export const VERSION = '0.1.0';

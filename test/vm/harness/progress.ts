const started = Date.now();

/** One progress line on stderr, stamped with seconds since this process started. */
export function progress(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[vm +${seconds}s] ${message}\n`);
}

/** True when VMRPC_VM_DEBUG asks for the guest console to be streamed. */
export function debugEnabled(): boolean {
  const value = process.env.VMRPC_VM_DEBUG;
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

export function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

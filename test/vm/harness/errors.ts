/** A harness stage failed (apt, download, boot, guest command...). */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

/**
 * A prerequisite is missing and this process cannot obtain it (not root, no
 * apt). Callers outside CI may turn this into a skip instead of a failure.
 */
export class HarnessUnavailableError extends HarnessError {
  override name = 'HarnessUnavailableError';
}

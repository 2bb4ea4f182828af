/**
 * The promise GuestAgent#connect() returns: the first registration, or a rejection when the
 * agent stops first, or when `signal` aborts (at once if it already has, as every AbortSignal API
 * does). The abort listener goes once the promise settles. The agent keeps trying either way.
 */
import type { AgentRegistration } from './registration';

export class FirstRegistration {
  readonly promise: Promise<AgentRegistration>;
  private settle!: (registration: AgentRegistration | undefined, error?: Error) => void;

  constructor(signal: AbortSignal | undefined) {
    this.promise = new Promise<AgentRegistration>((resolve, reject) => {
      const onAbort = (): void => this.reject(signal!.reason as Error);
      this.settle = (registration, error) => {
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(registration!);
        else reject(error);
      };
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  resolve(registration: AgentRegistration): void {
    this.settle(registration);
  }

  reject(error: Error): void {
    this.settle(undefined, error);
  }
}

/**
 * Waits until a channel is connected (READY), or rejects when its connection attempt fails
 * (TRANSIENT_FAILURE) with `failure()`, so the agent's own loop paces the retries and reports
 * them. Every wait is bounded by `signal`.
 */
import { connectivityState, type ChannelInterface } from '@grpc/grpc-js';

export function channelReady(channel: ChannelInterface, signal: AbortSignal, failure: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (error?: Error): void => {
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const check = (): void => {
      if (signal.aborted) return;
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) return settle();
      if (state === connectivityState.TRANSIENT_FAILURE) return settle(failure());
      if (state === connectivityState.SHUTDOWN) return settle(new Error('the channel is closed'));
      // Re-checked at least every second, so an abort never waits on a watch.
      channel.watchConnectivityState(state, Date.now() + 1000, check);
    };
    check();
  });
}

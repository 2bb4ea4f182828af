/** Waits until a channel is connected, for as long as `signal` allows (the channel paces its own reconnects). */
import { connectivityState, type ChannelInterface } from '@grpc/grpc-js';

export function channelReady(channel: ChannelInterface, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const check = (): void => {
      if (signal.aborted) return;
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) {
        signal.removeEventListener('abort', onAbort);
        return resolve();
      }
      if (state === connectivityState.SHUTDOWN) {
        signal.removeEventListener('abort', onAbort);
        return reject(new Error('the channel is closed'));
      }
      // Re-checked at least every second, so an abort never waits on a watch.
      channel.watchConnectivityState(state, Date.now() + 1000, check);
    };
    check();
  });
}

/** The service test agents serve: Echo (say, repeat) that reports who called, and one whose say() a test holds. */
import { RpcError, Status, type CallContext } from '@vmrpc/rpc';
import { type EchoServiceImplementation } from '../generated/vmrpc/echo/v1/echo.js';

export function echoImplementation(label: string): EchoServiceImplementation {
  let sequence = 0n;
  return {
    async say(request, context: CallContext) {
      if (request.message === 'fail') throw new RpcError(Status.FAILED_PRECONDITION, `${label} was asked to fail`);
      return { message: `${label}: ${request.message}`, peer: context.peer, sequence: ++sequence };
    },
    async *repeat(request, context: CallContext) {
      for (let i = 0; i < request.count; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, request.intervalMs));
        if (context.signal.aborted) return;
        yield { message: `${label}: ${request.message} #${i}`, peer: context.peer, sequence: BigInt(i) };
      }
    },
  };
}

export interface Held {
  /** Resolves when the agent's handler has the call. */
  entered: Promise<void>;
  release(): void;
}

/** Echo whose `say` answers only when released: a call in progress for as long as a test needs. */
export function heldEcho(label: string): { implementation: EchoServiceImplementation; hold(): Held } {
  const holds: Array<{ enter(): void; released: Promise<void> }> = [];
  const echo = echoImplementation(label);
  return {
    implementation: {
      ...echo,
      async say(request, context: CallContext) {
        const held = holds.shift();
        if (held !== undefined) {
          held.enter();
          await held.released;
        }
        return echo.say(request, context);
      },
    },
    hold() {
      let enter!: () => void;
      let release!: () => void;
      const entered = new Promise<void>((resolve) => (enter = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ enter, released });
      return { entered, release };
    },
  };
}

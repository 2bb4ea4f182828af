/**
 * RunCommand: a host running commands in its guest is the point of an agent, so it must be
 * deliberate: only commands on the agent's allow-list (or any, with --allow-any-command), never
 * through a shell, killed when they outlive their timeout or the host cancels.
 */
import { spawn } from 'node:child_process';
import { RpcError, Status, type CallContext, type DeepPartial } from '@vmrpc/rpc';
import type { CommandOutput, RunCommandRequest } from '../generated/vmrpc/examples/guest/v1/guest';
import { childEvents } from './child-output';

/** Which commands the host may run, and for how long. */
export interface CommandPolicy {
  /** Allowed values of argv[0], compared as given (`uname` does not allow `/bin/uname`). */
  readonly allowed: ReadonlySet<string>;
  /** Any command at all: set only by an explicit --allow-any-command. */
  readonly anyCommand: boolean;
  /** The default and the longest run time of a command. */
  readonly timeoutMs: number;
}

function startError(command: string, error: NodeJS.ErrnoException): RpcError {
  if (error.code === 'ENOENT') return new RpcError(Status.NOT_FOUND, `command not found: ${command}`);
  if (error.code === 'EACCES') return new RpcError(Status.PERMISSION_DENIED, `the agent may not execute ${command} (EACCES)`);
  return new RpcError(Status.INTERNAL, `cannot start ${command}: ${error.message}`);
}

/** Answers RunCommand: output chunks as the command writes them, then its exit. */
export async function* runCommand(request: RunCommandRequest, context: CallContext, policy: CommandPolicy): AsyncGenerator<DeepPartial<CommandOutput>> {
  const [command, ...args] = request.argv;
  if (command === undefined || command === '') throw new RpcError(Status.INVALID_ARGUMENT, 'argv is empty');
  if (!policy.anyCommand && !policy.allowed.has(command)) {
    throw new RpcError(Status.PERMISSION_DENIED, `this agent does not run ${JSON.stringify(command)} (start it with --allow ${command})`);
  }
  const timeoutMs = request.timeoutMs === 0 ? policy.timeoutMs : Math.min(request.timeoutMs, policy.timeoutMs);
  const started = Date.now();
  // A process group of its own, so a kill reaches what the command started too (`sh -c 'sleep 9'`
  // would otherwise hold the output pipes open, and the call, after sh is gone).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killAll = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killAll();
  }, timeoutMs);
  const cancel = (): void => killAll();
  context.signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const event of childEvents(child)) {
      if (event.kind === 'error') throw startError(command, event.error);
      if (event.kind === 'stdout') yield { kind: { $case: 'stdout', stdout: event.data } };
      else if (event.kind === 'stderr') yield { kind: { $case: 'stderr', stderr: event.data } };
      else {
        const exit = { code: event.code ?? -1, signal: event.signal ?? '', timedOut, durationMs: Date.now() - started };
        yield { kind: { $case: 'exit', exit } };
      }
    }
  } finally {
    // Also reached when the host stops reading: the command (and what it started) must not outlive its call.
    clearTimeout(timer);
    context.signal.removeEventListener('abort', cancel);
    killAll();
  }
}

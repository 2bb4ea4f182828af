/** What the host does with each agent that comes online: ask, run, read, and print the answers. */
import type { AgentHost } from '@vmrpc/rpc';
import { GuestService, type GuestServiceClient } from '../generated/vmrpc/examples/guest/v1/guest';
import { LineSplitter } from './line-splitter';
import { errorLine, exitLine, fileContentLines, fileInfoLine, outputLine, systemInfoLines } from './report';

/** The calls to make on each agent. */
export interface VisitPlan {
  readonly commands: readonly (readonly string[])[];
  readonly files: readonly string[];
}

/** Bounds every call: an agent that stops answering must not hold the host. */
const CALL_TIMEOUT_MS = 30_000;
const SHOWN_FILE_LINES = 8;

type Print = (line: string) => void;

async function runOne(guest: GuestServiceClient, argv: readonly string[], print: Print): Promise<void> {
  print(`  $ ${argv.join(' ')}`);
  const started = Date.now();
  const splitters = { out: new LineSplitter(), err: new LineSplitter() };
  for await (const output of guest.runCommand({ argv: [...argv] }, { timeoutMs: CALL_TIMEOUT_MS })) {
    const kind = output.kind;
    if (kind === undefined) continue;
    if (kind.$case === 'exit') {
      for (const stream of ['out', 'err'] as const) for (const line of splitters[stream].flush()) print(outputLine(stream, line, Date.now() - started));
      print(exitLine(kind.exit));
      continue;
    }
    const stream = kind.$case === 'stdout' ? 'out' : 'err';
    const chunk = kind.$case === 'stdout' ? kind.stdout : kind.stderr;
    for (const line of splitters[stream].push(chunk)) print(outputLine(stream, line, Date.now() - started));
  }
}

async function readOne(guest: GuestServiceClient, file: string, print: Print): Promise<void> {
  print(`  read ${file}`);
  const chunks: Buffer[] = [];
  for await (const content of guest.readFile({ path: file }, { timeoutMs: CALL_TIMEOUT_MS })) {
    if (content.kind?.$case === 'info') print(fileInfoLine(content.kind.info));
    else if (content.kind?.$case === 'data') chunks.push(Buffer.from(content.kind.data));
  }
  for (const line of fileContentLines(Buffer.concat(chunks), SHOWN_FILE_LINES)) print(line);
}

/** Makes the plan's calls on agent `id` and prints them; true when every call got an answer. */
export async function visitAgent(host: AgentHost, id: string, plan: VisitPlan, print: Print): Promise<boolean> {
  const guest = host.agent(id).client(GuestService);
  let ok = true;
  const attempt = async (call: () => Promise<void>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      const { line, answered } = errorLine(error);
      print(line);
      ok &&= answered;
    }
  };
  print(`host: calling agent ${id}`);
  await attempt(async () => {
    print('  system info');
    for (const line of systemInfoLines(await guest.systemInfo({}, { timeoutMs: CALL_TIMEOUT_MS }))) print(line);
  });
  for (const argv of plan.commands) await attempt(() => runOne(guest, argv, print));
  for (const file of plan.files) await attempt(() => readOne(guest, file, print));
  return ok;
}

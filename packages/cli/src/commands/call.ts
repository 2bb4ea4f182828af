/** `vmrpc call`: a gRPC call with JSON in and out, like grpcurl, over any VM socket target. */
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { AGENT_HELP, AGENT_OPTIONS, agentMetadata } from '../agent-options';
import { defineCommand } from '../command';
import { DEADLINE_BOUNDS, parseDuration } from '../durations';
import { CliError, EXIT_OK, EXIT_USAGE, UsageError } from '../errors';
import { CHANNEL_HELP, CHANNEL_OPTIONS, SCHEMA_HELP, SCHEMA_OPTIONS, openChannel, schemaFor } from '../grpc-options';
import { metadataFromHeaders, metadataLines } from '../metadata-args';
import { callWithJson } from '../proto/json-call';
import { type Json } from '../proto/json-codec';
import { encodeJson } from '../proto/json-parse';
import { findMethod, splitMethodName, type ResolvedMethod } from '../proto/methods';
import { ReflectionClient } from '../proto/reflection-client';
import { atMost, targetArgument } from '../targets';

const HELP = `usage: vmrpc call [OPTIONS] TARGET METHOD [JSON]

Calls METHOD (package.Service/Method) on the gRPC server at TARGET, or with --agent ID on guest
agent ID through the agent host at TARGET, and prints the responses as JSON (the protobuf JSON
mapping: lowerCamelCase names, 64-bit integers as strings, enums by name, bytes in base64).
Without --proto, the server's (or the agent's) reflection service describes METHOD.

The request is JSON, from the argument or else from stdin (empty: {}). Client- and
bidi-streaming methods take one JSON object per line, sent as each line is read. Unary and
client-streaming responses print indented; streamed responses print one per line as they come.

  vmrpc call unix:/run/echo.sock vmrpc.echo.v1.Echo/Say '{"message": "hi"}'
  printf '{"value": 1}\\n{"value": 2}\\n' | vmrpc call vsock:3:5000 vmrpc.testing.v1.Streaming/Sum
  vmrpc call --proto echo.proto -I protos vsock:3:5000 vmrpc.echo.v1.Echo/Repeat '{"count": 3}'
  vmrpc call --agent vm-42 unix:/run/vmrpc-admin.sock guest.v1.System/Info

${SCHEMA_HELP}
  -H, --header 'KEY: VALUE'   request metadata (repeatable); values of KEY-bin are base64
      --timeout DUR           the call's deadline (500ms, 5s, 1m); default none
${AGENT_HELP}
${CHANNEL_HELP}
      --emit-defaults         print fields that hold their default value too
  -v, --verbose               print response headers and trailers on stderr
`;

const FOOTER = `exit codes: 0 OK; 1 failure outside the call (a .proto file not found, an unknown service or
method); 2 usage error
or malformed request JSON; 64+N the call ended with gRPC status N, printed as
"ERROR: <CODE>: <details>" (68 DEADLINE_EXCEEDED, 69 NOT_FOUND, 76 UNIMPLEMENTED,
78 UNAVAILABLE: nothing listening, the connection failed, or the agent is offline;
with --agent, 69 NOT_FOUND: the host does not know the agent)`;

async function readAll(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string, where: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new CliError(`${where}: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
  }
}

function encode(method: ResolvedMethod, json: Json, where: string): Buffer {
  try {
    return encodeJson(method.requestType, json);
  } catch (error) {
    throw new CliError(`${where}: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
  }
}

/** Requests of a streaming call: one JSON object per non-blank line, encoded as read. */
async function* lineRequests(input: Readable, method: ResolvedMethod, what: string): AsyncGenerator<Buffer> {
  let number = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    number++;
    if (line.trim() !== '') yield encode(method, parseJson(line, `${what} line ${number}`), `${what} line ${number}`);
  }
}

async function* singleRequest(text: Promise<string>, method: ResolvedMethod, what: string): AsyncGenerator<Buffer> {
  const source = await text;
  yield encode(method, source.trim() === '' ? {} : parseJson(source, what), what);
}

export const command = defineCommand({
  name: 'call',
  summary: 'call a gRPC method with JSON in and out (reflection or --proto)',
  help: HELP,
  footer: FOOTER,
  options: {
    ...SCHEMA_OPTIONS,
    ...CHANNEL_OPTIONS,
    ...AGENT_OPTIONS,
    header: { type: 'string', short: 'H', multiple: true },
    timeout: { type: 'string' },
    'emit-defaults': { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  },
  async run(values, positionals, io) {
    const { target } = targetArgument(positionals);
    if (positionals[1] === undefined) throw new UsageError('missing the method (package.Service/Method)');
    atMost(positionals, 3);
    const { service, method: methodName } = splitMethodName(positionals[1]);
    const argument = positionals[2];
    const metadata = metadataFromHeaders(values.header ?? []);
    const agent = agentMetadata(values);
    metadata.merge(agent);
    const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, '--timeout', DEADLINE_BOUNDS);
    // A closed stdout (io.signal) cancels the call.
    const callOptions = { ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(io.signal === undefined ? {} : { signal: io.signal }), metadata: agent };
    const channel = openChannel(target, values['connect-timeout']);
    try {
      const root = await schemaFor(values, new ReflectionClient(channel, callOptions), service);
      const method = findMethod(root, service, methodName);
      const what = argument === undefined ? 'stdin' : 'the JSON argument';
      const source = argument === undefined ? io.stdin : Readable.from([argument]);
      const requests = method.requestStream ? lineRequests(source, method, what) : singleRequest(argument === undefined ? readAll(io.stdin) : Promise.resolve(argument), method, what);
      const verbose = values.verbose === true;
      await callWithJson(
        channel,
        method,
        requests,
        {
          ...callOptions,
          metadata,
          ...(verbose ? { onHeader: (header) => io.stderr.write(metadataLines(header, '< ')), onTrailer: (trailer) => io.stderr.write(metadataLines(trailer, '< ')) } : {}),
        },
        { emitDefaults: values['emit-defaults'] === true },
        (response, streaming) => io.stdout.write(streaming ? `${JSON.stringify(response)}\n` : `${JSON.stringify(response, null, 2)}\n`),
      );
      return EXIT_OK;
    } finally {
      channel.close();
      io.stdin.destroy();
    }
  },
});

/** `vmrpc list`: the services of a gRPC server (or a service's methods), through reflection. */
import { AGENT_HELP, AGENT_OPTIONS, agentMetadata } from '../agent-options';
import { defineCommand } from '../command';
import { DEADLINE_BOUNDS, parseDuration } from '../durations';
import { EXIT_OK } from '../errors';
import { CHANNEL_HELP, CHANNEL_OPTIONS, SCHEMA_HELP, SCHEMA_OPTIONS, openChannel, schemaFor } from '../grpc-options';
import { loadProtoFiles } from '../proto/load-files';
import { findService, methodSignature, servicesOf } from '../proto/methods';
import { ReflectionClient } from '../proto/reflection-client';
import { atMost, targetArgument } from '../targets';

const HELP = `usage: vmrpc list [OPTIONS] TARGET [SERVICE]

Lists the services of the gRPC server at TARGET (with --agent ID: of guest agent ID, through the
agent host at TARGET), one per line, as its reflection service
(grpc.reflection.v1, else v1alpha) names them; with SERVICE, that service's methods
(package.Service.Method). With --proto, lists what the files define instead of asking.

  vmrpc list vsock:3:5000
  vmrpc list --long unix:/run/echo.sock vmrpc.echo.v1.Echo
  vmrpc list --agent vm-42 unix:/run/vmrpc-admin.sock

${SCHEMA_HELP}
${AGENT_HELP}
${CHANNEL_HELP}
  -l, --long                  with SERVICE: each method's request and response types
      --timeout DUR           deadline of each reflection request (default 10s)
`;

const FOOTER = `exit codes: 0 listed; 1 failure (e.g. unknown service); 2 usage error; 64+N gRPC status N
(69 NOT_FOUND: with --agent, an agent the host does not know; 76 UNIMPLEMENTED: the server does
not serve reflection; 78 UNAVAILABLE: nothing listening, or the agent is offline)`;

export const command = defineCommand({
  name: 'list',
  summary: "list a gRPC server's services or a service's methods (reflection)",
  help: HELP,
  footer: FOOTER,
  options: { ...SCHEMA_OPTIONS, ...CHANNEL_OPTIONS, ...AGENT_OPTIONS, long: { type: 'boolean', short: 'l' }, timeout: { type: 'string' } },
  async run(values, positionals, io) {
    const { target } = targetArgument(positionals);
    atMost(positionals, 2);
    const service = positionals[1];
    const timeoutMs = values.timeout === undefined ? 10_000 : parseDuration(values.timeout, '--timeout', DEADLINE_BOUNDS);
    const metadata = agentMetadata(values);
    const channel = openChannel(target, values['connect-timeout']);
    try {
      const reflection = new ReflectionClient(channel, { timeoutMs, metadata });
      if (service === undefined) {
        const names = values.proto === undefined ? await reflection.listServices() : servicesOf(loadProtoFiles(values.proto, values['import-path'] ?? [])).map((found) => found.fullName.slice(1));
        io.stdout.write(names.map((name) => `${name}\n`).join(''));
        return EXIT_OK;
      }
      const found = findService(await schemaFor(values, reflection, service), service);
      for (const method of found.methodsArray) io.stdout.write(values.long === true ? `${methodSignature(method)}\n` : `${service}.${method.name}\n`);
      return EXIT_OK;
    } finally {
      channel.close();
    }
  },
});

/**
 * `vmrpc hvsock register | unregister | list`: the Hyper-V socket services of a Windows host,
 * under GuestCommunicationServices in the registry. Registering is what lets a guest (a Linux
 * guest's `vsock:2:PORT`, WSL 2 included) connect to a host listening on `hvsock:VMID:PORT`.
 */
import { hvsockServiceId, listHvsockServices, registerHvsockService, unregisterHvsockService } from '@vmrpc/native';
import { defineCommand } from '../command';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors';
import { atMost } from '../targets';

const HELP = `usage: vmrpc hvsock register SERVICE [--name NAME]
       vmrpc hvsock unregister SERVICE
       vmrpc hvsock list

Manages the Hyper-V socket services guests may connect to (Windows only). SERVICE is a vsock
port (mapped through the VSock template, as a Linux guest's vsock:2:PORT) or a service GUID.
register and unregister need an administrator prompt; list does not. See docs/windows.md.

  vmrpc hvsock register 22093 --name "vmrpc agents"
  vmrpc hvsock list

      --name NAME   register: the name Hyper-V tools show (ElementName)
`;

const FOOTER = 'exit codes: 0 done; 1 failure (not Windows, not elevated: the message says what to do; unregister: not registered); 2 usage error';

export const command = defineCommand({
  name: 'hvsock',
  summary: 'register, unregister or list Hyper-V socket services (Windows)',
  help: HELP,
  footer: FOOTER,
  options: { name: { type: 'string' } },
  async run(values, positionals, io) {
    const [action, service] = positionals;
    switch (action) {
      case 'list': {
        atMost(positionals, 1);
        const services = await listHvsockServices();
        if (services.length === 0) io.stdout.write('no services registered\n');
        for (const entry of services) io.stdout.write(`${entry.serviceId}  ${entry.port === undefined ? '-' : `vsock port ${entry.port}`}  ${entry.name ?? ''}\n`);
        return EXIT_OK;
      }
      case 'register': {
        atMost(positionals, 2);
        if (service === undefined) throw new UsageError('register needs a SERVICE (a vsock port or a GUID)');
        const registered = await registerHvsockService({ service: parseService(service), ...(values.name === undefined ? {} : { name: values.name }) });
        io.stdout.write(`${registered.created ? 'registered' : 'already registered (name updated)'}: ${registered.service.serviceId} ${registered.service.name ?? ''}\n`);
        return EXIT_OK;
      }
      case 'unregister': {
        atMost(positionals, 2);
        if (service === undefined) throw new UsageError('unregister needs a SERVICE (a vsock port or a GUID)');
        const removed = await unregisterHvsockService(parseService(service));
        io.stdout.write(removed ? `unregistered ${hvsockServiceId(parseService(service))}\n` : `${hvsockServiceId(parseService(service))} was not registered\n`);
        return removed ? EXIT_OK : EXIT_FAILURE;
      }
      default:
        throw new UsageError(action === undefined ? 'missing the action: register, unregister or list' : `unknown action '${action}': register, unregister or list`);
    }
  },
});

/** A port as a number, a GUID as it is; hvsockServiceId() checks either (a bad one is a usage error). */
function parseService(text: string): string | number {
  const service = /^\d+$/.test(text) ? Number(text) : text;
  try {
    hvsockServiceId(service);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return service;
}

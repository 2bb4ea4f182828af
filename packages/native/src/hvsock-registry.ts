/**
 * Registering Hyper-V socket services. A Windows host accepts guest connections to a service
 * only when the service id is a subkey of GuestCommunicationServices (with an ElementName);
 * writing there needs an elevated (administrator) process. Not needed when the guest listens
 * and the host connects. These functions are the logic of `vmrpc hvsock register | unregister |
 * list`; printing is the caller's job.
 */
import { win32Binding, type Win32Binding } from './binding-win32';
import { VmError, invalidArgType } from './errors';
import { normalizeGuid, vsockPortFromServiceId, vsockServiceId } from './guid';
import { windowsSystemError } from './winsock-errors';

/** The registry key (under HKEY_LOCAL_MACHINE) that lists the services guests may connect to. */
export const GUEST_COMMUNICATION_SERVICES_KEY =
  'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Virtualization\\GuestCommunicationServices';

const ERROR_FILE_NOT_FOUND = -2;
const ERROR_ACCESS_DENIED = -5;

/** A registered Hyper-V socket service. */
export interface HvsockService {
  /** The service id, a lowercase GUID. */
  readonly serviceId: string;
  /** The vsock port a service id of the VSock template stands for; undefined for other ids. */
  readonly port: number | undefined;
  /** The ElementName value (the name Hyper-V tools show); undefined when the key has none. */
  readonly name: string | undefined;
}

/** What {@link registerHvsockService} registers. */
export interface HvsockServiceRegistration {
  /** A service id GUID, or a vsock port (a Linux guest's `vsock:2:PORT`, mapped through the VSock template). */
  service: string | number;
  /** ElementName, the name Hyper-V tools show. Default: `vmrpc vsock port PORT` or `vmrpc service GUID`. */
  name?: string;
}

/** The outcome of {@link registerHvsockService}. */
export interface HvsockServiceRegistered {
  readonly service: HvsockService;
  /** False when the service was registered already (its name is updated). */
  readonly created: boolean;
}

/**
 * The service id for a CLI argument or an option: a GUID (with or without braces, any case) or a
 * vsock port as a number or a decimal string.
 */
export function hvsockServiceId(service: string | number): string {
  if (typeof service === 'number') return vsockServiceId(service);
  if (typeof service !== 'string') throw invalidArgType('service', 'a service id GUID or a vsock port', service);
  if (/^\d{1,10}$/.test(service)) return vsockServiceId(Number(service));
  const id = normalizeGuid(service);
  if (id === undefined) {
    throw new VmError('ERR_INVALID_ARG_VALUE', `"${service}" is neither a service id GUID nor a vsock port (0 to 4294967295)`);
  }
  return id;
}

/** Whether this process runs elevated (as administrator). Windows only. */
export async function isElevated(): Promise<boolean> {
  return elevated(registryBinding('isElevated()'), 'isElevated()');
}

/** The registered services, sorted by id. Needs no elevation; empty where Hyper-V never registered any. */
export async function listHvsockServices(): Promise<HvsockService[]> {
  const binding = registryBinding('listHvsockServices()');
  const services: HvsockService[] = [];
  for (const keyName of serviceKeyNames(binding, 'listHvsockServices()')) {
    const serviceId = normalizeGuid(keyName);
    // Other tools may leave keys that are not GUIDs: they are no services a socket can use.
    if (serviceId !== undefined) services.push(describe(binding, keyName, serviceId));
  }
  return services.sort((a, b) => a.serviceId.localeCompare(b.serviceId));
}

/**
 * Registers a service so that guests can connect to a host listening on it. Needs an elevated
 * process: fails with ERR_VMRPC_ELEVATION_REQUIRED before touching the registry otherwise.
 */
export async function registerHvsockService(registration: HvsockServiceRegistration): Promise<HvsockServiceRegistered> {
  const what = 'registerHvsockService()';
  if (registration === null || typeof registration !== 'object') {
    throw invalidArgType('registration', 'an object like { service: 5000, name: "my agent" }', registration);
  }
  const serviceId = hvsockServiceId(registration.service);
  const name = registration.name ?? defaultName(serviceId);
  if (typeof name !== 'string' || name.length === 0) throw invalidArgType('registration.name', 'a non-empty string', name);
  const binding = registryBinding(what);
  await requireElevation(binding, what);
  const existing = findServiceKey(binding, serviceId, what);
  const rc = binding.regSetString(serviceKey(existing ?? serviceId), 'ElementName', name);
  if (rc < 0) throw registryError(rc, what, 'RegSetValueEx');
  return { service: { serviceId, port: vsockPortFromServiceId(serviceId), name }, created: existing === undefined };
}

/**
 * Removes a service registration. Resolves true when it was removed, false when it was not
 * registered. Needs an elevated process (ERR_VMRPC_ELEVATION_REQUIRED otherwise).
 */
export async function unregisterHvsockService(service: string | number): Promise<boolean> {
  const what = 'unregisterHvsockService()';
  const serviceId = hvsockServiceId(service);
  const binding = registryBinding(what);
  await requireElevation(binding, what);
  const match = findServiceKey(binding, serviceId, what);
  if (match === undefined) return false;
  const rc = binding.regDeleteKey(GUEST_COMMUNICATION_SERVICES_KEY, match);
  if (rc === ERROR_FILE_NOT_FOUND) return false;
  if (rc < 0) throw registryError(rc, what, 'RegDeleteTree');
  return true;
}

/** The subkey names under GuestCommunicationServices; none when Hyper-V never made the key. */
function serviceKeyNames(binding: Win32Binding, what: string): string[] {
  const names = binding.regListKeys(GUEST_COMMUNICATION_SERVICES_KEY);
  if (names === ERROR_FILE_NOT_FOUND) return [];
  if (typeof names === 'number') throw registryError(names, what, 'RegEnumKeyEx');
  return names;
}

/** The key of a service as it is spelled in the registry (other tools may use upper case or braces). */
function findServiceKey(binding: Win32Binding, serviceId: string, what: string): string | undefined {
  return serviceKeyNames(binding, what).find((name) => normalizeGuid(name) === serviceId);
}

function registryBinding(what: string): Win32Binding {
  return win32Binding(what, 'Hyper-V socket services are registered on the Windows host');
}

function elevated(binding: Win32Binding, what: string): boolean {
  const result = binding.isElevated();
  if (typeof result === 'number') throw windowsSystemError(result, 'GetTokenInformation', what);
  return result;
}

async function requireElevation(binding: Win32Binding, what: string): Promise<void> {
  if (!elevated(binding, what)) throw elevationRequired(what);
}

function elevationRequired(what: string): VmError {
  return new VmError(
    'ERR_VMRPC_ELEVATION_REQUIRED',
    `${what} writes HKLM\\${GUEST_COMMUNICATION_SERVICES_KEY} and needs administrator rights: ` +
      'run it from an elevated prompt ("Run as administrator")',
  );
}

function registryError(code: number, what: string, call: string): Error {
  // UAC can still refuse an elevated process (policy): say the same thing as for a plain user.
  if (code === ERROR_ACCESS_DENIED) return elevationRequired(what);
  const error = windowsSystemError(code, call, `HKLM\\${GUEST_COMMUNICATION_SERVICES_KEY}`);
  error.message = `${what}: ${error.message}`;
  return error;
}

function describe(binding: Win32Binding, keyName: string, serviceId: string): HvsockService {
  const value = binding.regGetString(serviceKey(keyName), 'ElementName');
  return { serviceId, port: vsockPortFromServiceId(serviceId), name: typeof value === 'string' ? value : undefined };
}

function serviceKey(keyName: string): string {
  return `${GUEST_COMMUNICATION_SERVICES_KEY}\\${keyName}`;
}

function defaultName(serviceId: string): string {
  const port = vsockPortFromServiceId(serviceId);
  return port === undefined ? `vmrpc service ${serviceId}` : `vmrpc vsock port ${port}`;
}

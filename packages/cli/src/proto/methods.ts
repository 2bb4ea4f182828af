/** Finding an RPC in a Root by the names people type: `pkg.Service/Method`, `/pkg.Service/Method` or `pkg.Service.Method`. */
import { Service, Type, type Method, type Root } from 'protobufjs';
import { CliError, UsageError } from '../errors';

/** A method with its resolved message types. */
export interface ResolvedMethod {
  /** `/pkg.Service/Method`, the HTTP/2 path. */
  readonly path: string;
  readonly requestType: Type;
  readonly responseType: Type;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/** Splits a method name into the service's full name and the method's. */
export function splitMethodName(text: string): { service: string; method: string } {
  const trimmed = text.replace(/^\//, '');
  const slash = trimmed.lastIndexOf('/');
  const cut = slash >= 0 ? slash : trimmed.lastIndexOf('.');
  const service = trimmed.slice(0, Math.max(cut, 0));
  const method = trimmed.slice(cut + 1);
  if (cut <= 0 || method === '' || !/^[A-Za-z_][\w.]*$/.test(service)) throw new UsageError(`'${text}' is not a method name such as package.Service/Method`);
  return { service, method };
}

/** Every service defined in `root`, by full name (no leading dot), sorted. */
export function servicesOf(root: Root): Service[] {
  const found: Service[] = [];
  const walk = (namespace: { nestedArray: readonly unknown[] }): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof Service) found.push(nested);
      else if (typeof nested === 'object' && nested !== null && 'nestedArray' in nested) walk(nested as { nestedArray: readonly unknown[] });
    }
  };
  walk(root);
  return found.sort((a, b) => (a.fullName < b.fullName ? -1 : 1));
}

/** The error for service `name` missing where `known` are (exit 1, whatever the schema's source). */
export function serviceNotFound(name: string, known: readonly string[]): CliError {
  return new CliError(`service ${name} not found (known: ${known.length === 0 ? 'none' : known.join(', ')})`);
}

/** The service `name` (full name) in `root`, or a CliError naming those that exist. */
export function findService(root: Root, name: string): Service {
  const found = root.lookup(name);
  if (found instanceof Service) return found;
  throw serviceNotFound(name, servicesOf(root).map((service) => service.fullName.slice(1)));
}

/** The method `method` of service `service`, resolved. */
export function findMethod(root: Root, service: string, method: string): ResolvedMethod {
  const methods = findService(root, service).methods;
  // Own entries only: "toString" or "constructor" is no method of the service.
  const found: Method | undefined = Object.prototype.hasOwnProperty.call(methods, method) ? methods[method] : undefined;
  if (found === undefined) {
    const known = Object.keys(findService(root, service).methods).join(', ');
    throw new CliError(`service ${service} has no method ${method} (it has: ${known})`);
  }
  found.resolve();
  const requestType = found.resolvedRequestType;
  const responseType = found.resolvedResponseType;
  if (!(requestType instanceof Type) || !(responseType instanceof Type)) throw new CliError(`the message types of ${service}.${method} did not resolve`);
  return { path: `/${service}/${method}`, requestType, responseType, requestStream: found.requestStream === true, responseStream: found.responseStream === true };
}

/** `rpc Name(Request) returns (stream Response)`, for `vmrpc list --long`. */
export function methodSignature(method: Method): string {
  method.resolve();
  const name = (type: Type | null, fallback: string): string => (type === null ? fallback : type.fullName.slice(1));
  const request = `${method.requestStream === true ? 'stream ' : ''}${name(method.resolvedRequestType, method.requestType)}`;
  const response = `${method.responseStream === true ? 'stream ' : ''}${name(method.resolvedResponseType, method.responseType)}`;
  return `rpc ${method.name}(${request}) returns (${response})`;
}

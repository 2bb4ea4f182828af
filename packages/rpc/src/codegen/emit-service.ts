/**
 * A service becomes a descriptor const (also a grpc-js ServiceDefinition) plus its Client and
 * Implementation types. Methods are keyed lowerCamelCase; their paths keep the proto names.
 */
import { Type, type Method, type Service } from 'protobufjs';
import { docComment } from './comments';
import type { FileScope } from './imports';
import { methodKey, protoName, quote, serviceConstName } from './naming';
import { NOT_A_MESSAGE_VALUE, namedType } from './type-map';

export interface MessageConsts {
  /** The const naming a message's MessageType in this file, declaring a private one if needed. */
  constFor(type: Type): string;
}

function kindOf(method: Method): string {
  if (method.requestStream) return method.responseStream ? 'bidiStreaming' : 'clientStreaming';
  return method.responseStream ? 'serverStreaming' : 'unary';
}

export function emitService(service: Service, scope: FileScope, consts: MessageConsts): string[] {
  const name = serviceConstName(service);
  const lines = [...docComment(service.comment ?? `The ${protoName(service)} service: one descriptor per method.`), `export const ${name} = {`];
  // A key's method, to refuse two methods with one key (GetFoo and getFoo): the object literal would not compile.
  const keys = new Map<string, string>();
  for (const method of service.methodsArray) {
    const key = methodKey(method.name);
    const other = keys.get(key);
    if (other !== undefined) throw new Error(`${protoName(service)}: the methods ${other} and ${method.name} both generate the key ${key}; rename one of them`);
    keys.set(key, method.name);
    method.resolve();
    const request = method.resolvedRequestType;
    const response = method.resolvedResponseType;
    if (!(request instanceof Type) || !(response instanceof Type)) throw new Error(`${protoName(method)}: unresolved request or response type`);
    for (const type of [request, response]) {
      if (NOT_A_MESSAGE_VALUE.has(type.fullName)) throw new Error(`${protoName(method)}: ${protoName(type)} cannot be a request or response; wrap it in a message`);
    }
    const requestType = namedType(request, scope);
    const responseType = namedType(response, scope);
    lines.push(
      ...docComment(method.comment, '  '),
      `  ${key}: file.${kindOf(method)}<${requestType}, ${responseType}>(${quote(protoName(service))}, ${quote(method.name)}, ${consts.constFor(request)}, ${consts.constFor(response)}),`,
    );
  }
  lines.push(
    '} as const;',
    `/** A typed client of ${protoName(service)} (createClient()). */`,
    `export type ${name}Client = ${scope.useRuntime('Client')}<typeof ${name}>;`,
    `/** An implementation of ${protoName(service)} (createServer().add()). */`,
    `export type ${name}Implementation = ${scope.useRuntime('ServiceImplementation')}<typeof ${name}>;`,
  );
  return lines;
}


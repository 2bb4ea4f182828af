/**
 * What createServer() keeps for reflection: the services added so far, and the two reflection
 * services (v1 and v1alpha) that describe them (themselves included, as grpc-go does).
 */
import type { ServiceDescriptor } from '../descriptor';
import type { ServiceImplementation } from '../server/implementation';
import { FileIndex, reflectedService, type ReflectedService } from './file-index';
import { ServerReflectionService, ServerReflectionV1AlphaService, type ServerReflectionServiceDescriptor } from './reflection-proto';
import { reflectionImplementation } from './reflection-service';

export class ReflectionRegistry {
  private readonly services: ReflectedService[] = [];
  private index: FileIndex | undefined;

  /** Records a service added to the server; services whose types reflection cannot see are left out. */
  record(service: ServiceDescriptor): void {
    const reflected = reflectedService(service);
    if (reflected === undefined) return;
    this.services.push(reflected);
    this.index = undefined;
  }

  /** The reflection services with their implementation, to add to the server. */
  reflectionServices(): Array<[ServerReflectionServiceDescriptor, ServiceImplementation<ServerReflectionServiceDescriptor>]> {
    const implementation = reflectionImplementation(() => (this.index ??= new FileIndex(this.services)));
    return [
      [ServerReflectionService, implementation],
      [ServerReflectionV1AlphaService, implementation],
    ];
  }
}

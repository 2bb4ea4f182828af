import type { ServiceDescriptor } from '../../descriptor';

/** The fully-qualified service names (`package.Service`) of a descriptor's methods. */
export function serviceNamesOf(service: ServiceDescriptor): string[] {
  const names = new Set<string>();
  for (const method of Object.values(service)) names.add(method.path.split('/')[1] ?? '');
  names.delete('');
  return [...names];
}

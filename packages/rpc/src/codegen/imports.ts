/**
 * The names one generated file uses: its own definitions, types imported from sibling generated
 * files, and runtime exports. Clashing imports get package-qualified aliases.
 */
import type { Enum, Type } from 'protobufjs';
import { qualifiedTypeName, quote, relativeImport, typeName } from './naming';

export class FileScope {
  private readonly local = new Set<string>();
  /** runtime export -> how it is imported and the local name it goes by */
  private readonly runtime = new Map<string, { kind: 'type' | 'value'; alias: string }>();
  /** module -> (exported name -> local alias) */
  private readonly siblings = new Map<string, Map<string, string>>();
  private readonly taken = new Set<string>();

  constructor(
    private readonly outputName: string,
    private readonly runtimeModule: string,
    private readonly outputNameOf: (object: Type | Enum) => string,
  ) {}

  declareLocal(name: string): void {
    if (this.taken.has(name)) throw new Error(`${this.outputName}: two definitions generate the TypeScript name ${name}`);
    this.local.add(name);
    this.taken.add(name);
  }

  /**
   * A runtime export, as a type or as a value, under the name it goes by here: aliased when a
   * definition of this file (a message `Empty` or `Timestamp`) or an import has its name.
   */
  useRuntime(name: string, kind: 'type' | 'value' = 'type'): string {
    const used = this.runtime.get(name);
    if (used !== undefined) {
      if (kind === 'value') used.kind = 'value';
      return used.alias;
    }
    let alias = name;
    while (this.taken.has(alias)) alias = `$${alias}`;
    this.taken.add(alias);
    this.runtime.set(name, { kind, alias });
    return alias;
  }

  /** The name a message or enum goes by in this file, importing it when it lives elsewhere. */
  ref(object: Type | Enum): string {
    const module = this.outputNameOf(object);
    const name = typeName(object);
    if (module === this.outputName) return name;
    // With the .js extension the import resolves under Node16/NodeNext ESM, CommonJS and bundlers alike.
    const specifier = `${relativeImport(this.outputName, module)}.js`;
    let names = this.siblings.get(specifier);
    if (names === undefined) this.siblings.set(specifier, (names = new Map()));
    const existing = names.get(name);
    if (existing !== undefined) return existing;
    const alias = this.taken.has(name) ? qualifiedTypeName(object) : name;
    if (this.taken.has(alias)) throw new Error(`${this.outputName}: cannot import ${name} from ${specifier} without a clash`);
    this.taken.add(alias);
    names.set(name, alias);
    return alias;
  }

  /** Runtime names must not be shadowed by definitions; called once definitions are declared. */
  reserveRuntimeNames(names: readonly string[]): void {
    for (const name of names) if (this.local.has(name)) throw new Error(`${this.outputName}: a definition is named ${name}, which generated code needs from ${this.runtimeModule}`);
  }

  importLines(): string[] {
    const lines: string[] = [];
    const runtimeNames = [...this.runtime.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, { kind, alias }]) => `${kind === 'type' ? 'type ' : ''}${name}${alias === name ? '' : ` as ${alias}`}`);
    if (runtimeNames.length > 0) lines.push(`import { ${runtimeNames.join(', ')} } from ${quote(this.runtimeModule)};`);
    for (const specifier of [...this.siblings.keys()].sort()) {
      const names = [...this.siblings.get(specifier)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, alias]) => (name === alias ? name : `${name} as ${alias}`));
      lines.push(`import type { ${names.join(', ')} } from ${quote(specifier)};`);
    }
    return lines;
  }
}

/**
 * Lint for the project's .proto files: packages match directories (protos/vmrpc/x/v1/*.proto
 * is `package vmrpc.x.v1`) and end in a version; field numbers are valid, unique and not
 * reserved; enums start with a zero value named *_UNSPECIFIED; names follow the style guide.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Enum, Namespace, Service, Type, parse, type ReflectionObject } from 'protobufjs';
import { expandInputs, relativeName } from '../codegen/load';

/** One lint problem: the file and what is wrong. */
export interface LintFinding {
  /** The include-relative file name. */
  file: string;
  message: string;
}

const MAX_FIELD_NUMBER = 536_870_911;
const VERSION = /^v\d+((alpha|beta)\d*)?$/;
const PASCAL = /^[A-Z][A-Za-z0-9]*$/;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

function isReserved(reserved: ReadonlyArray<number[] | string> | undefined, value: number | string): boolean {
  return (reserved ?? []).some((entry) => (typeof entry === 'string' ? entry === value : typeof value === 'number' && value >= entry[0]! && value <= entry[1]!));
}

function lintType(type: Type, report: (message: string) => void): void {
  const where = type.fullName.slice(1);
  if (!PASCAL.test(type.name)) report(`message ${where}: name should be PascalCase`);
  const seen = new Map<number, string>();
  for (const field of type.fieldsArray) {
    const id = field.id;
    if (!Number.isInteger(id) || id < 1 || id > MAX_FIELD_NUMBER) report(`${where}.${field.name}: field number ${id} is outside 1..${MAX_FIELD_NUMBER}`);
    else if (id >= 19_000 && id <= 19_999) report(`${where}.${field.name}: field number ${id} is in the range 19000-19999 reserved by protobuf`);
    const other = seen.get(id);
    if (other !== undefined) report(`${where}: fields ${other} and ${field.name} share number ${id}`);
    seen.set(id, field.name);
    if (isReserved(type.reserved, id)) report(`${where}.${field.name}: field number ${id} is reserved`);
    if (isReserved(type.reserved, field.name)) report(`${where}.${field.name}: the name ${field.name} is reserved`);
    if (!SNAKE.test(field.name)) report(`${where}.${field.name}: field name should be lower_snake_case`);
  }
  for (const nested of type.nestedArray) lintObject(nested, report);
}

function lintEnum(enumType: Enum, report: (message: string) => void): void {
  const where = enumType.fullName.slice(1);
  if (!PASCAL.test(enumType.name)) report(`enum ${where}: name should be PascalCase`);
  const entries = Object.entries(enumType.values);
  const first = entries[0];
  if (first === undefined || first[1] !== 0) report(`enum ${where}: the first value must be 0`);
  else if (!first[0].endsWith('_UNSPECIFIED')) report(`enum ${where}: the zero value ${first[0]} should be named *_UNSPECIFIED`);
  const numbers = new Map<number, string>();
  for (const [name, value] of entries) {
    if (!UPPER_SNAKE.test(name)) report(`enum ${where}: value ${name} should be UPPER_SNAKE_CASE`);
    const other = numbers.get(value);
    if (other !== undefined && enumType.options?.allow_alias !== true) report(`enum ${where}: ${other} and ${name} share number ${value} (without allow_alias)`);
    numbers.set(value, name);
    if (isReserved(enumType.reserved, value) || isReserved(enumType.reserved, name)) report(`enum ${where}: value ${name} = ${value} is reserved`);
  }
}

function lintObject(object: ReflectionObject, report: (message: string) => void): void {
  if (object instanceof Type) lintType(object, report);
  else if (object instanceof Enum) lintEnum(object, report);
  else if (object instanceof Service) {
    if (!PASCAL.test(object.name)) report(`service ${object.fullName.slice(1)}: name should be PascalCase`);
    for (const method of object.methodsArray) if (!PASCAL.test(method.name)) report(`${method.fullName.slice(1)}: method name should be PascalCase`);
  } else if (object instanceof Namespace) for (const nested of object.nestedArray) lintObject(nested, report);
}

/** Lints .proto files (or directories of them); `includeDirs` decide each file's expected package. */
export function lintProtos(inputs: readonly string[], includeDirs: readonly string[]): LintFinding[] {
  const dirs = includeDirs.length > 0 ? includeDirs.map((dir) => path.resolve(dir)) : [process.cwd()];
  const findings: LintFinding[] = [];
  for (const absolute of expandInputs(inputs)) {
    const file = relativeName(absolute, dirs);
    const report = (message: string): void => void findings.push({ file, message });
    const source = fs.readFileSync(absolute, 'utf8');
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(source, { keepCase: true, alternateCommentMode: true });
    } catch (error) {
      report(`does not parse: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const expected = path.posix.dirname(file).split('/').join('.');
    if (parsed.package === undefined) report(`has no package statement (expected package ${expected})`);
    else {
      if (parsed.package !== expected) report(`package ${parsed.package} does not match its directory (expected package ${expected})`);
      const last = parsed.package.split('.').pop() ?? '';
      if (!VERSION.test(last)) report(`package ${parsed.package} should end in a version (v1, v2beta1...)`);
    }
    if (!/^\s*syntax\s*=\s*["']proto3["']\s*;/m.test(source)) report(`should declare syntax = "proto3"`);
    lintObject(parsed.root, report);
  }
  return findings;
}

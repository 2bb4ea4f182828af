/**
 * The google.protobuf well-known types as vmrpc maps them. Timestamp and Duration keep their
 * wire shape (seconds as bigint, nanos), so nothing below a millisecond is lost; helpers convert
 * to and from Date and milliseconds. Struct, Value and ListValue become plain JSON values.
 */
import type { JsonObject } from '../types';
import type { MessageType } from './message-type';

export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

export interface Duration {
  seconds: bigint;
  nanos: number;
}

/** A packed message: the type URL names the message, `value` is its encoding. */
export interface Any {
  typeUrl: string;
  value: Uint8Array;
}

export type Empty = Record<string, never>;

export interface FieldMask {
  paths: string[];
}

export interface DoubleValue {
  value: number;
}
export interface FloatValue {
  value: number;
}
export interface Int64Value {
  value: bigint;
}
export interface UInt64Value {
  value: bigint;
}
export interface Int32Value {
  value: number;
}
export interface UInt32Value {
  value: number;
}
export interface BoolValue {
  value: boolean;
}
export interface StringValue {
  value: string;
}
export interface BytesValue {
  value: Uint8Array;
}

export enum NullValue {
  NULL_VALUE = 0,
}

export type Struct = JsonObject;

export function timestampFromDate(date: Date): Timestamp {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** The Timestamp as a Date (which keeps milliseconds; finer nanos are dropped). */
export function timestampToDate(timestamp: Partial<Timestamp>): Date {
  return new Date(Number(timestamp.seconds ?? 0n) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000));
}

export function durationFromMillis(ms: number): Duration {
  const seconds = Math.trunc(ms / 1000);
  return { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

export function durationToMillis(duration: Partial<Duration>): number {
  return Number(duration.seconds ?? 0n) * 1000 + (duration.nanos ?? 0) / 1_000_000;
}

const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** Packs a message into an Any. */
export function packAny<T>(type: MessageType<T>, message: Parameters<MessageType<T>['encode']>[0]): Any {
  return { typeUrl: TYPE_URL_PREFIX + type.typeName, value: type.encode(message) };
}

/** True when the Any holds a message of this type. */
export function isAny<T>(type: MessageType<T>, any: Any): boolean {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1) === type.typeName;
}

/** Unpacks an Any holding a message of this type; throws a TypeError for any other type. */
export function unpackAny<T>(type: MessageType<T>, any: Any): T {
  if (!isAny(type, any)) throw new TypeError(`Any holds ${any.typeUrl}, not ${type.typeName}`);
  return type.decode(any.value);
}

/**
 * The google.protobuf well-known types as vmrpc maps them. Timestamp and Duration keep their
 * wire shape (seconds as bigint, nanos), so nothing below a millisecond is lost; helpers convert
 * to and from Date and milliseconds. Struct, Value and ListValue become plain JSON values.
 */
import type { JsonObject } from '../types';
import type { MessageType } from './message-type';

/** google.protobuf.Timestamp: seconds since the Unix epoch (bigint, so nothing is rounded) and nanoseconds. */
export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

/** google.protobuf.Duration: seconds (bigint) and nanoseconds of the same sign. */
export interface Duration {
  seconds: bigint;
  nanos: number;
}

/** A packed message: the type URL names the message, `value` is its encoding. */
export interface Any {
  typeUrl: string;
  value: Uint8Array;
}

/** google.protobuf.Empty: a message with no fields. */
export type Empty = Record<string, never>;

/** google.protobuf.FieldMask: field paths (`a.b`) an operation applies to. */
export interface FieldMask {
  paths: string[];
}

/** google.protobuf.DoubleValue: a double that can be absent. */
export interface DoubleValue {
  value: number;
}
/** google.protobuf.FloatValue: a float that can be absent. */
export interface FloatValue {
  value: number;
}
/** google.protobuf.Int64Value: an int64 (bigint) that can be absent. */
export interface Int64Value {
  value: bigint;
}
/** google.protobuf.UInt64Value: a uint64 (bigint) that can be absent. */
export interface UInt64Value {
  value: bigint;
}
/** google.protobuf.Int32Value: an int32 that can be absent. */
export interface Int32Value {
  value: number;
}
/** google.protobuf.UInt32Value: a uint32 that can be absent. */
export interface UInt32Value {
  value: number;
}
/** google.protobuf.BoolValue: a bool that can be absent. */
export interface BoolValue {
  value: boolean;
}
/** google.protobuf.StringValue: a string that can be absent. */
export interface StringValue {
  value: string;
}
/** google.protobuf.BytesValue: bytes that can be absent. */
export interface BytesValue {
  value: Uint8Array;
}

/** google.protobuf.NullValue: the JSON null of a google.protobuf.Value. */
export enum NullValue {
  NULL_VALUE = 0,
}

/** google.protobuf.Struct: a JSON object. */
export type Struct = JsonObject;

/** A Timestamp of a Date (millisecond precision). */
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

/** A Duration of a number of milliseconds. */
export function durationFromMillis(ms: number): Duration {
  let seconds = Math.trunc(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1_000_000);
  // Rounding can reach a whole second (999.9999999 ms): carried, so nanos stays within ±999,999,999.
  if (Math.abs(nanos) >= 1_000_000_000) {
    seconds += Math.sign(nanos);
    nanos -= Math.sign(nanos) * 1_000_000_000;
  }
  return { seconds: BigInt(seconds), nanos: nanos === 0 ? 0 : nanos };
}

/** The milliseconds of a Duration (sub-millisecond parts are kept as a fraction). */
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

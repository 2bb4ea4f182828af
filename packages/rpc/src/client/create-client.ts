/**
 * createClient(): a typed client for a service descriptor, over a VM socket target
 * (`unix:`, `vsock:`, `hvsock:`, `hybrid-vsock:`) or an existing channel.
 */
import { Client as GrpcClient, credentials, type ChannelInterface } from '@grpc/grpc-js';
import { createChannel, type ChannelTarget, type VmChannelOptions } from '@vmrpc/transport';
import type { MethodDescriptor, ServiceDescriptor } from '../descriptor';
import type { DeepPartial } from '../types';
import { bidiStreamingCall } from './bidi-streaming';
import { mergeCallOptions, type CallOptions } from './call-options';
import { clientStreamingCall } from './client-streaming';
import { serverStreamingCall } from './server-streaming';
import { unaryCall } from './unary';

/** A unary method of a typed client: one request, a promise of the response. */
export type UnaryClientMethod<Req, Res> = (request: DeepPartial<Req>, options?: CallOptions) => Promise<Res>;
/** A server-streaming method of a typed client: one request, the responses as an async iterable. */
export type ServerStreamingClientMethod<Req, Res> = (request: DeepPartial<Req>, options?: CallOptions) => AsyncIterable<Res>;
/** A client-streaming method of a typed client: requests as an (async) iterable, a promise of the response. */
export type ClientStreamingClientMethod<Req, Res> = (requests: AsyncIterable<DeepPartial<Req>> | Iterable<DeepPartial<Req>>, options?: CallOptions) => Promise<Res>;
/** A bidi-streaming method of a typed client: requests as an (async) iterable, responses as an async iterable. */
export type BidiStreamingClientMethod<Req, Res> = (requests: AsyncIterable<DeepPartial<Req>> | Iterable<DeepPartial<Req>>, options?: CallOptions) => AsyncIterable<Res>;

/** The client method type of a method descriptor, by its streaming shape. */
export type ClientMethod<M> =
  M extends MethodDescriptor<infer Req, infer Res, infer RequestStream, infer ResponseStream>
    ? [RequestStream, ResponseStream] extends [false, false]
      ? UnaryClientMethod<Req, Res>
      : [RequestStream, ResponseStream] extends [false, true]
        ? ServerStreamingClientMethod<Req, Res>
        : [RequestStream, ResponseStream] extends [true, false]
          ? ClientStreamingClientMethod<Req, Res>
          : BidiStreamingClientMethod<Req, Res>
    : never;

/** The typed client of service S: one method per RPC. */
export type Client<S extends ServiceDescriptor> = { readonly [K in keyof S]: ClientMethod<S[K]> };

/** Options of createClient(): the channel options of @vmrpc/transport and default call options. */
export interface ClientOptions extends VmChannelOptions {
  /** Call options applied to every call; a call's own options win (metadata is combined). */
  defaultCallOptions?: CallOptions;
}

interface ClientState {
  grpcClient: GrpcClient;
  ownsChannel: boolean;
}

const states = new WeakMap<object, ClientState>();

function isChannel(target: ChannelTarget | ChannelInterface): target is ChannelInterface {
  return typeof target === 'object' && target !== null && typeof (target as Partial<ChannelInterface>).createCall === 'function';
}

/**
 * A typed client of `service`. Given a target, the client opens its own channel (close it with
 * closeClient()); given a channel (createChannel() of @vmrpc/transport, or any grpc-js channel),
 * it shares that channel, which stays the caller's to close.
 */
export function createClient<S extends ServiceDescriptor>(service: S, target: ChannelTarget | ChannelInterface, options: ClientOptions = {}): Client<S> {
  const ownsChannel = !isChannel(target);
  const channel = isChannel(target) ? target : createChannel(target, options);
  // The address and credentials are unused: the channel override carries both.
  const grpcClient = new GrpcClient('vmrpc', credentials.createInsecure(), { channelOverride: channel });
  const defaults = options.defaultCallOptions;
  const client: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service)) {
    if (!method.requestStream && !method.responseStream) {
      const unary = method as MethodDescriptor<unknown, unknown, false, false>;
      client[name] = (request: DeepPartial<unknown>, callOptions?: CallOptions) => unaryCall(channel, unary, request, mergeCallOptions(defaults, callOptions));
    } else if (!method.requestStream) {
      const streaming = method as MethodDescriptor<unknown, unknown, false, true>;
      client[name] = (request: DeepPartial<unknown>, callOptions?: CallOptions) => serverStreamingCall(channel, streaming, request, mergeCallOptions(defaults, callOptions));
    } else if (!method.responseStream) {
      const streaming = method as MethodDescriptor<unknown, unknown, true, false>;
      client[name] = (requests: AsyncIterable<unknown>, callOptions?: CallOptions) => clientStreamingCall(channel, streaming, requests, mergeCallOptions(defaults, callOptions));
    } else {
      const streaming = method as MethodDescriptor<unknown, unknown, true, true>;
      client[name] = (requests: AsyncIterable<unknown>, callOptions?: CallOptions) => bidiStreamingCall(channel, streaming, requests, mergeCallOptions(defaults, callOptions));
    }
  }
  states.set(client, { grpcClient, ownsChannel });
  // The loop above gave every method of S its typed implementation; the cast records that.
  return client as Client<S>;
}

/** Closes the channel a client opened for its target (a no-op for a client given a channel). */
export function closeClient(client: object): void {
  const state = states.get(client);
  if (state?.ownsChannel) state.grpcClient.close();
}

/** Waits until the client's channel is connected, or rejects when `deadline` passes. */
export function waitForClientReady(client: object, deadline: Date | number): Promise<void> {
  const state = states.get(client);
  if (state === undefined) return Promise.reject(new TypeError('not a client made by createClient()'));
  return new Promise((resolve, reject) => state.grpcClient.waitForReady(deadline, (error) => (error ? reject(error) : resolve())));
}

/**
 * How a channel opens each connection: the byte stream (its connector), TLS when the channel
 * credentials ask for it (grpc-js's secure connector), then HTTP/2 on the channel's engine. The
 * channel decides when to open one and what follows; this owns how, and the credentials' state.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { CallCredentials, ChannelCredentials, ChannelOptions, experimental } from '@grpc/grpc-js';
import type { ChannelConnection } from './call-transport';
import type { Connector } from './connector';
import { createSecureConnector } from './grpc-internals';
import type { Http2Engine, ResolvedChannelOptions } from './options';
import { startHttp2 } from './start-http2';

export interface ConnectionOpenerOptions {
  connector: Connector;
  credentials: ChannelCredentials;
  /** The grpc-js channel options as given (the secure connector reads TLS-related ones). */
  grpcOptions: ChannelOptions;
  settings: ResolvedChannelOptions;
  engine: Http2Engine;
  handshakeTimeoutMs: number;
}

export class ConnectionOpener {
  private readonly secureConnector: experimental.SecureConnector;

  constructor(private readonly options: ConnectionOpenerOptions) {
    const uri: experimental.GrpcUri = { scheme: 'dns', authority: undefined, path: options.settings.authority };
    this.secureConnector = createSecureConnector(options.credentials, uri, options.grpcOptions);
  }

  /** The call credentials composed into the channel credentials. */
  get callCredentials(): CallCredentials {
    return this.secureConnector.getCallCredentials();
  }

  /** Resolves once the server's SETTINGS arrived; a failed step destroys the socket and rejects. */
  async open(signal: AbortSignal): Promise<ChannelConnection> {
    const { connector, settings, engine, handshakeTimeoutMs } = this.options;
    let socket: Duplex = await connector.open(signal);
    try {
      const secured = await this.secureConnector.connect(socket as Socket);
      socket = secured.socket;
      if (signal.aborted) throw new Error('connection attempt cancelled');
      return await startHttp2(engine, socket, {
        authority: settings.authority,
        secure: secured.secure,
        keepaliveTimeMs: settings.keepaliveTimeMs,
        keepaliveTimeoutMs: settings.keepaliveTimeoutMs,
        keepalivePermitWithoutCalls: settings.keepalivePermitWithoutCalls,
        handshakeTimeoutMs,
        maxSessionMemory: settings.maxSessionMemory,
      });
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /** Releases the credentials' state (the channel is closing). */
  destroy(): void {
    this.secureConnector.destroy();
  }
}

/**
 * TLS on gateway listeners (`listen(target, { gateway, tls })`): the gateway router owns each
 * caller's HTTP/2 session, so it also terminates TLS, before any HTTP/2 byte, with the
 * listener's one secure context. With `requestCert`, the caller's verified client certificate
 * becomes `caller.tls`, so `authorize` can decide by subject, SAN or fingerprint.
 */
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';

/** TLS of a gateway listener: node:tls's key/cert/ca (PEM) and whether to ask for client certificates (mTLS). */
export interface GatewayTlsOptions extends Pick<tls.SecureContextOptions, 'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'ciphers' | 'minVersion'> {
  /** Ask callers for a certificate, verified against `ca`. Default false. */
  requestCert?: boolean;
  /** With requestCert: refuse callers without a valid certificate (default true); false lets `authorize` see `caller.tls.authorized`. */
  rejectUnauthorized?: boolean;
}

/** A caller's TLS identity, from the certificate it presented (verified against the listener's `ca` when `authorized`). */
export interface GatewayTlsIdentity {
  /** True when the caller presented a certificate that verified against the listener's `ca`. */
  readonly authorized: boolean;
  /** Why it did not verify (`authorized` false), as node:tls says it. */
  readonly authorizationError?: string;
  /** The certificate's subject (`{ CN: 'operator', O: '...' }`); undefined without a certificate. */
  readonly subject?: Readonly<Record<string, string | string[]>>;
  /** The subjectAltName extension as node:tls gives it (`DNS:a, URI:spiffe://...`). */
  readonly subjectAltName?: string;
  /** SHA-256 fingerprint of the certificate (`AB:CD:...`). */
  readonly fingerprint256?: string;
}

/** A listener's TLS, checked once at listen(). */
export interface GatewayTls {
  /** node:tls's options of the listener's secure context (checked at listen()). */
  readonly context: tls.SecureContextOptions;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

/** The listener's TLS from its options; a TypeError says what is wrong with them. */
export function gatewayTls(options: GatewayTlsOptions): GatewayTls {
  if (typeof options !== 'object' || options === null) throw new TypeError('options.tls must be an object with key and cert (PEM), and ca with requestCert for mTLS');
  if (options.pfx === undefined && (options.key === undefined || options.cert === undefined)) throw new TypeError('options.tls needs key and cert (PEM), or pfx: the gateway presents them to callers');
  if (options.requestCert === true && options.ca === undefined) throw new TypeError('options.tls.requestCert needs options.tls.ca: the certificates that client certificates must chain to');
  const { requestCert: _request, rejectUnauthorized: _reject, ...context } = options;
  try {
    // Made here once to refuse keys and certificates that do not load, at listen().
    tls.createSecureContext(context);
  } catch (error) {
    throw new TypeError(`options.tls is not usable: ${(error as Error).message}`);
  }
  return { context, requestCert: options.requestCert === true, rejectUnauthorized: options.rejectUnauthorized !== false };
}

/**
 * Runs the server side of a TLS handshake on `socket` (ALPN h2, as gRPC requires); resolves with
 * the encrypted socket and the caller's identity, rejects on a failed handshake or after
 * `timeoutMs`. The handshake runs in a tls.Server of its own (never listening; handed this one
 * socket): node:tls verifies client certificates, and finishes the socket for node:http2, only
 * for sockets of a tls.Server, and a tls.Server cannot be told which of its sockets came from
 * which connection. Loading the key per caller connection is the price (well under a
 * millisecond; the handshake costs more), paid on an operators' listener, not a data path.
 */
export function acceptTls(socket: Duplex, options: GatewayTls, timeoutMs: number): Promise<{ socket: tls.TLSSocket; identity: GatewayTlsIdentity }> {
  const server = tls.createServer({
    ...options.context,
    requestCert: options.requestCert,
    rejectUnauthorized: options.requestCert && options.rejectUnauthorized,
    ALPNProtocols: ['h2'],
    handshakeTimeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      socket.off('close', closed);
      server.removeAllListeners();
    };
    const fail = (error: Error): void => {
      settle();
      socket.destroy();
      reject(error);
    };
    // A refused certificate closes the socket without an event of the server's.
    const closed = (): void => fail(new Error('the TLS handshake failed (the caller closed, or its certificate was refused)'));
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', closed);
    server.once('tlsClientError', (error: Error, secure: tls.TLSSocket) => {
      secure.destroy();
      fail(new Error(`the TLS handshake failed: ${error.message.trim()}`));
    });
    server.once('secureConnection', (secure: tls.TLSSocket) => {
      settle();
      resolve({ socket: secure, identity: identityOf(secure) });
    });
    server.emit('connection', socket);
  });
}

function identityOf(socket: tls.TLSSocket): GatewayTlsIdentity {
  const certificate = socket.getPeerCertificate();
  const presented = certificate !== null && Object.keys(certificate).length > 0;
  // node:tls types it as an Error; it is the verification error's code (a string).
  const error: unknown = socket.authorizationError;
  return {
    authorized: presented && socket.authorized,
    ...(error === null || error === undefined ? {} : { authorizationError: String(error instanceof Error ? error.message : error) }),
    ...(presented ? certificateNames(certificate) : {}),
  };
}

function certificateNames(certificate: tls.PeerCertificate): Pick<GatewayTlsIdentity, 'subject' | 'subjectAltName' | 'fingerprint256'> {
  const subject: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(certificate.subject)) if (value !== undefined) subject[key] = value;
  return {
    subject,
    fingerprint256: certificate.fingerprint256,
    ...(certificate.subjectaltname === undefined ? {} : { subjectAltName: certificate.subjectaltname }),
  };
}

/**
 * Every member of @grpc/grpc-js that the channel uses without it being public API, in one place
 * (docs/transport.md lists them with the reasons). grpc-js may change them in any minor version,
 * so each channel checks them when it is created and fails with an error that says what to do,
 * instead of a `TypeError` in the middle of a call.
 */
import { CallCredentials, ChannelCredentials, experimental, type ChannelOptions } from '@grpc/grpc-js';

/** The grpc-js range the channel is tested with (the transport's peer dependency). */
export const TESTED_GRPC_JS = '~1.14.0';

/** The installed grpc-js version, for error messages. */
function installedVersion(): string {
  try {
    return (require('@grpc/grpc-js/package.json') as { version: string }).version;
  } catch {
    return 'of unknown version';
  }
}

/** The error for a grpc-js that lacks `what`. */
export function unsupportedGrpcJs(what: string): Error {
  return new Error(
    `@vmrpc/transport cannot use the installed @grpc/grpc-js ${installedVersion()}: ${what}. ` +
      `The VM channel relies on this grpc-js internal; install @grpc/grpc-js@"${TESTED_GRPC_JS}" (the tested range) ` +
      'until a @vmrpc/transport release supports this grpc-js.',
  );
}

const EMPTY_CALL_CREDENTIALS = CallCredentials.createEmpty();

/**
 * `ChannelCredentials#_createSecureConnector`: the only way to run the channel credentials' TLS
 * (and get their call credentials) over a socket grpc-js did not open.
 */
export function createSecureConnector(credentials: ChannelCredentials, uri: experimental.GrpcUri, options: ChannelOptions): experimental.SecureConnector {
  const create = (credentials as Partial<Pick<ChannelCredentials, '_createSecureConnector'>>)._createSecureConnector;
  if (typeof create !== 'function') throw unsupportedGrpcJs('ChannelCredentials#_createSecureConnector is missing');
  const connector = create.call(credentials, uri, options) as Partial<experimental.SecureConnector> | undefined;
  for (const member of ['connect', 'getCallCredentials', 'destroy'] as const) {
    if (typeof connector?.[member] !== 'function') throw unsupportedGrpcJs(`the secure connector has no ${member}()`);
  }
  return connector as experimental.SecureConnector;
}

/**
 * `CallCredentials#_equals`: tells credentials that add nothing, so the common call opens its
 * stream in the same turn instead of awaiting an empty `generateMetadata()`.
 */
export function isEmptyCallCredentials(credentials: CallCredentials): boolean {
  return credentials._equals(EMPTY_CALL_CREDENTIALS);
}

/** Checks the internals every call uses; createChannel() runs it so a mismatch fails at once. */
export function checkCallInternals(): void {
  if (typeof (EMPTY_CALL_CREDENTIALS as Partial<Pick<CallCredentials, '_equals'>>)._equals !== 'function') {
    throw unsupportedGrpcJs('CallCredentials#_equals is missing');
  }
}

/**
 * `@vmrpc/native/testing`: the internals the project's own test suites reach (the raw binding,
 * sockaddr codecs, socket-option codecs, parsers of Windows tool output). Not API: it carries no
 * semver promise and is not documented for users. Exporting it by name keeps every other module
 * of the package private (there is no `./internal/*` export).
 */
export { replaceAddonForTests, type AddonBinding } from './addon-loader';
export { nativeBinding, type NativeBinding, type NativeSeqpacketSender } from './binding';
export { win32Binding, type Win32Binding } from './binding-win32';
export * as sockaddr from './sockaddr';
export { decodeSockaddr, encodeHvsock, encodeUnix, encodeVsock } from './sockaddr';
export { encodeVsockConnectTimeout, getVsockBufferSizes, getVsockConnectTimeout } from './socket-options';
export { checkHvsockOptions, encodeOptionValue, hvsockOptionSettings, kernelConnectTimeout } from './hvsock-options';
export { decodeOutput, parseGetVmOutput, parseWslVmId } from './hyperv-discovery';
export { HVSOCK_CLIENT_BIND_ADDRESS } from './hvsock-family';
export { WINDOWS_ERRORS, windowsErrorInfo, windowsSystemError } from './winsock-errors';

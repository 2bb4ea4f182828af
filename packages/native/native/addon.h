// Entry points each platform's sources provide to addon.cc.
#pragma once
#include <napi.h>

namespace vmrpc {

// Raw socket syscalls: each returns a value >= 0 or a negative libuv error code, never throws
// for operating-system errors (JS turns codes into Node-style errors that name the address).
void RegisterSocketOps(Napi::Env env, Napi::Object exports);

// Readiness notifications on a socket from the Node event loop (no thread per socket).
void RegisterPoller(Napi::Env env, Napi::Object exports);

// Whole-message vsock seqpacket sends on a long-lived thread per socket (seqpacket_sender.cc).
void RegisterSeqpacketSender(Napi::Env env, Napi::Object exports);

// IOCTL_VM_SOCKETS_GET_LOCAL_CID and other vsock device queries.
void RegisterVsockDevice(Napi::Env env, Napi::Object exports);

// Windows (native/win): Winsock calls that complete at once, the overlapped operations on the
// environment's completion port, and the registry and elevation queries of service registration.
void RegisterWinsockOps(Napi::Env env, Napi::Object exports);
void RegisterOverlappedOps(Napi::Env env, Napi::Object exports);
void RegisterRegistry(Napi::Env env, Napi::Object exports);

// Calls a JS function from a libuv or thread completion (no JS frame below to catch anything):
// through napi_make_callback, so queued nextTicks and microtasks run afterwards as for Node's own
// handles, and an exception the function (or a tick after it) throws goes to Node as an uncaught
// exception at once, as node:net's callbacks do. Left pending instead, it would resurface in the
// next, unrelated Node-API call. Returns false when the callback threw.
bool CallFromEventLoop(napi_env env, napi_async_context context, napi_value callback, size_t argc, const napi_value* argv);

// Shared argument checks: throw a TypeError naming the argument and return false when wrong.
bool ArgIsInt(const Napi::CallbackInfo& info, size_t index, const char* name);
bool ArgIsBuffer(const Napi::CallbackInfo& info, size_t index, const char* name);
bool ArgIsFunction(const Napi::CallbackInfo& info, size_t index, const char* name);
bool ArgIsString(const Napi::CallbackInfo& info, size_t index, const char* name);

}  // namespace vmrpc

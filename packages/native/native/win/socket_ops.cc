// Winsock calls that complete at once: socket, bind, listen, names, options, shutdown, close.
// Each returns >= 0 or a negated Winsock error (see winsock.h); none throws for OS errors.
// Sockets are created overlapped and joined to the completion port (io_port.cc) at once, so
// the data path, connect and accept all run as overlapped I/O.
#include <mutex>

#include "io_port.h"
#include "winsock.h"

namespace vmrpc {

bool ArgIsSocket(const Napi::CallbackInfo& info, size_t index, const char* name, SOCKET* out) {
  if (!ArgIsInt(info, index, name)) return false;
  int64_t value = info[index].As<Napi::Number>().Int64Value();
  if (value < 0) {
    Napi::RangeError::New(info.Env(), std::string("argument '") + name + "' is not a socket handle")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<SOCKET>(value);
  return true;
}

int EnsureWinsock() {
  static std::once_flag once;
  static int result = 0;
  std::call_once(once, [] {
    WSADATA data;
    result = WSAStartup(MAKEWORD(2, 2), &data);
  });
  return result;
}

namespace {

Napi::Value Result(Napi::Env env, double value) { return Napi::Number::New(env, value); }

Napi::Value Check(Napi::Env env, int rc) { return Result(env, rc == SOCKET_ERROR ? LastSocketError() : rc); }

// socket(domain, type, protocol) -> handle, or a negated error. Not inheritable by children.
Napi::Value Socket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgIsInt(info, 0, "domain") || !ArgIsInt(info, 1, "type") || !ArgIsInt(info, 2, "protocol")) {
    return env.Undefined();
  }
  int startup = EnsureWinsock();
  if (startup != 0) return Result(env, WinError(startup));
  SOCKET s = WSASocketW(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                        info[2].As<Napi::Number>().Int32Value(), nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return Result(env, LastSocketError());
  IoPort* port = IoPort::From(env);
  DWORD joined = port == nullptr ? GetLastError() : port->Associate(s);
  if (joined != 0) {
    closesocket(s);
    return Result(env, WinError(joined));
  }
  return Result(env, static_cast<double>(s));
}

Napi::Value Bind(const Napi::CallbackInfo& info) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsBuffer(info, 1, "address")) return info.Env().Undefined();
  auto address = info[1].As<Napi::Buffer<uint8_t>>();
  return Check(info.Env(), bind(s, reinterpret_cast<const sockaddr*>(address.Data()), static_cast<int>(address.Length())));
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsInt(info, 1, "backlog")) return info.Env().Undefined();
  return Check(info.Env(), listen(s, info[1].As<Napi::Number>().Int32Value()));
}

// Returns the raw address bytes (JS decodes them) or a negated error.
Napi::Value SockName(const Napi::CallbackInfo& info, bool peer) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s)) return info.Env().Undefined();
  SOCKADDR_STORAGE storage{};
  int length = kMaxSockaddr;
  int rc = peer ? getpeername(s, reinterpret_cast<sockaddr*>(&storage), &length)
                : getsockname(s, reinterpret_cast<sockaddr*>(&storage), &length);
  if (rc == SOCKET_ERROR) return Result(info.Env(), LastSocketError());
  if (length > kMaxSockaddr) length = kMaxSockaddr;
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&storage), static_cast<size_t>(length));
}

Napi::Value GetSockName(const Napi::CallbackInfo& info) { return SockName(info, false); }
Napi::Value GetPeerName(const Napi::CallbackInfo& info) { return SockName(info, true); }

// getsockopt(socket, level, name, out) -> bytes written into out, or a negated error.
Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsInt(info, 1, "level") || !ArgIsInt(info, 2, "name") ||
      !ArgIsBuffer(info, 3, "out")) {
    return info.Env().Undefined();
  }
  auto out = info[3].As<Napi::Buffer<uint8_t>>();
  int length = static_cast<int>(out.Length());
  int rc = getsockopt(s, info[1].As<Napi::Number>().Int32Value(), info[2].As<Napi::Number>().Int32Value(),
                      reinterpret_cast<char*>(out.Data()), &length);
  return Result(info.Env(), rc == SOCKET_ERROR ? LastSocketError() : length);
}

Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsInt(info, 1, "level") || !ArgIsInt(info, 2, "name") ||
      !ArgIsBuffer(info, 3, "value")) {
    return info.Env().Undefined();
  }
  auto value = info[3].As<Napi::Buffer<uint8_t>>();
  return Check(info.Env(), setsockopt(s, info[1].As<Napi::Number>().Int32Value(), info[2].As<Napi::Number>().Int32Value(),
                                      reinterpret_cast<const char*>(value.Data()), static_cast<int>(value.Length())));
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsInt(info, 1, "how")) return info.Env().Undefined();
  return Check(info.Env(), shutdown(s, info[1].As<Napi::Number>().Int32Value()));
}

// closesocket also cancels the socket's pending overlapped I/O: each still completes once,
// with ERROR_OPERATION_ABORTED, through the completion port.
Napi::Value Close(const Napi::CallbackInfo& info) {
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s)) return info.Env().Undefined();
  return Check(info.Env(), closesocket(s));
}

}  // namespace

void RegisterWinsockOps(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket, "socket"));
  exports.Set("bind", Napi::Function::New(env, Bind, "bind"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("getsockname", Napi::Function::New(env, GetSockName, "getsockname"));
  exports.Set("getpeername", Napi::Function::New(env, GetPeerName, "getpeername"));
  exports.Set("getsockopt", Napi::Function::New(env, GetSockOpt, "getsockopt"));
  exports.Set("setsockopt", Napi::Function::New(env, SetSockOpt, "setsockopt"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));

  Napi::Object constants = Napi::Object::New(env);
  constants.Set("AF_HYPERV", kAfHyperV);
  constants.Set("HV_PROTOCOL_RAW", kHvProtocolRaw);
  constants.Set("SOCK_STREAM", static_cast<int>(SOCK_STREAM));
  constants.Set("SOL_SOCKET", static_cast<int>(SOL_SOCKET));
  constants.Set("SO_SNDBUF", static_cast<int>(SO_SNDBUF));
  constants.Set("SO_RCVBUF", static_cast<int>(SO_RCVBUF));
  constants.Set("SD_RECEIVE", static_cast<int>(SD_RECEIVE));
  constants.Set("SD_SEND", static_cast<int>(SD_SEND));
  constants.Set("SD_BOTH", static_cast<int>(SD_BOTH));
  constants.Set("HVSOCKET_CONNECT_TIMEOUT", kHvsocketConnectTimeout);
  constants.Set("HVSOCKET_CONTAINER_PASSTHRU", kHvsocketContainerPassthru);
  constants.Set("HVSOCKET_CONNECTED_SUSPEND", kHvsocketConnectedSuspend);
  constants.Set("HVSOCKET_HIGH_VTL", kHvsocketHighVtl);
  exports.Set("constants", constants);
}

}  // namespace vmrpc

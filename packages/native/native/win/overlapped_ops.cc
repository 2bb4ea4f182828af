// The overlapped operations: connect (ConnectEx), accept (AcceptEx), recv (WSARecv) and send
// (WSASend). Each takes a JS callback and returns 0 when the operation started (the callback
// then runs exactly once, from the completion port) or a negated error when it failed at once
// (no callback). Closing the socket cancels what is pending: those callbacks get
// -ERROR_OPERATION_ABORTED.
#include "io_port.h"

namespace vmrpc {
namespace {

// AcceptEx wants room for each address plus 16 bytes.
constexpr DWORD kAcceptAddressBytes = static_cast<DWORD>(kMaxSockaddr) + 16;

// A result that is only a number: bytes moved, 0, or a negated error.
class CountRequest : public IoRequest {
 public:
  using IoRequest::IoRequest;
  std::vector<napi_value> Results(Napi::Env env) override {
    return {Napi::Number::New(env, error_ != 0 ? WinError(error_) : static_cast<double>(bytes_))};
  }
};

class ConnectRequest : public IoRequest {
 public:
  ConnectRequest(Napi::Env env, SOCKET socket, Napi::Function callback, Napi::Buffer<uint8_t> address)
      : IoRequest(env, socket, callback), address_(address.Data(), address.Data() + address.Length()) {}

  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(address_.data()); }
  int length() const { return static_cast<int>(address_.size()); }

  std::vector<napi_value> Results(Napi::Env env) override {
    double result = WinError(error_);
    if (error_ == 0) {
      // Until this option is set, getsockname, getpeername and shutdown fail on the socket.
      int rc = setsockopt(socket(), SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
      result = rc == SOCKET_ERROR ? LastSocketError() : 0;
    }
    return {Napi::Number::New(env, result)};
  }

 private:
  std::vector<uint8_t> address_;  // ConnectEx may read it after the call returned
};

class AcceptRequest : public IoRequest {
 public:
  AcceptRequest(Napi::Env env, SOCKET listener, SOCKET accepted, Napi::Function callback,
                LPFN_GETACCEPTEXSOCKADDRS addresses)
      : IoRequest(env, listener, callback), accepted_(accepted), get_addresses_(addresses) {}

  SOCKET accepted() const { return accepted_; }
  void* buffer() { return buffer_; }

  // callback(0, remoteAddressBytes) or callback(negatedError).
  std::vector<napi_value> Results(Napi::Env env) override {
    if (error_ != 0) return {Napi::Number::New(env, WinError(error_))};
    SOCKET listener = socket();
    int rc = setsockopt(accepted_, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, reinterpret_cast<char*>(&listener),
                        sizeof(listener));
    if (rc == SOCKET_ERROR) return {Napi::Number::New(env, LastSocketError())};
    sockaddr* local = nullptr;
    sockaddr* remote = nullptr;
    int local_length = 0;
    int remote_length = 0;
    get_addresses_(buffer_, 0, kAcceptAddressBytes, kAcceptAddressBytes, &local, &local_length, &remote,
                   &remote_length);
    if (remote == nullptr || remote_length <= 0) return {Napi::Number::New(env, 0)};
    return {Napi::Number::New(env, 0),
            Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(remote), static_cast<size_t>(remote_length))};
  }

 private:
  SOCKET accepted_;
  LPFN_GETACCEPTEXSOCKADDRS get_addresses_;
  char buffer_[2 * kAcceptAddressBytes] = {};
};

// Extension functions are per provider: ask the socket's own provider each time (cheap).
template <typename Fn>
DWORD ExtensionFunction(SOCKET socket, GUID id, Fn* out) {
  DWORD bytes = 0;
  int rc = WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), out, sizeof(*out), &bytes, nullptr,
                    nullptr);
  return rc == SOCKET_ERROR ? static_cast<DWORD>(WSAGetLastError()) : 0;
}

// After an overlapped call: pending or done means a completion will come; anything else is a
// failure with no completion, so the request is freed here.
Napi::Value Started(Napi::Env env, IoRequest* request, bool ok, DWORD error) {
  if (ok || error == WSA_IO_PENDING) {
    if (IoPort* port = IoPort::From(env)) port->Track(request);
    return Napi::Number::New(env, 0);
  }
  delete request;
  return Napi::Number::New(env, WinError(error));
}

// connect(socket, address, callback(result)): the socket must be bound (ConnectEx needs it).
Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsBuffer(info, 1, "address") || !ArgIsFunction(info, 2, "callback")) {
    return env.Undefined();
  }
  LPFN_CONNECTEX connect_ex = nullptr;
  DWORD lookup = ExtensionFunction(s, WSAID_CONNECTEX, &connect_ex);
  if (lookup != 0) return Napi::Number::New(env, WinError(lookup));
  auto* request = new ConnectRequest(env, s, info[2].As<Napi::Function>(), info[1].As<Napi::Buffer<uint8_t>>());
  BOOL ok = connect_ex(s, request->address(), request->length(), nullptr, 0, nullptr, request->overlapped());
  return Started(env, request, ok, ok ? 0 : static_cast<DWORD>(WSAGetLastError()));
}

// accept(listener, acceptSocket, callback(result, remoteAddress?)): acceptSocket is a fresh
// socket of the listener's family that becomes the connection.
Napi::Value Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SOCKET listener;
  SOCKET accepted;
  if (!ArgIsSocket(info, 0, "listener", &listener) || !ArgIsSocket(info, 1, "acceptSocket", &accepted) ||
      !ArgIsFunction(info, 2, "callback")) {
    return env.Undefined();
  }
  LPFN_ACCEPTEX accept_ex = nullptr;
  LPFN_GETACCEPTEXSOCKADDRS addresses = nullptr;
  DWORD lookup = ExtensionFunction(listener, WSAID_ACCEPTEX, &accept_ex);
  if (lookup == 0) lookup = ExtensionFunction(listener, WSAID_GETACCEPTEXSOCKADDRS, &addresses);
  if (lookup != 0) return Napi::Number::New(env, WinError(lookup));
  auto* request = new AcceptRequest(env, listener, accepted, info[2].As<Napi::Function>(), addresses);
  DWORD received = 0;
  BOOL ok = accept_ex(listener, accepted, request->buffer(), 0, kAcceptAddressBytes, kAcceptAddressBytes, &received,
                      request->overlapped());
  return Started(env, request, ok, ok ? 0 : static_cast<DWORD>(WSAGetLastError()));
}

// recv(socket, buffer, offset, length, callback(result)): result is the byte count, 0 at the end
// of the stream, or a negated error.
Napi::Value Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s) || !ArgIsBuffer(info, 1, "buffer") || !ArgIsInt(info, 2, "offset") ||
      !ArgIsInt(info, 3, "length") || !ArgIsFunction(info, 4, "callback")) {
    return env.Undefined();
  }
  auto buffer = info[1].As<Napi::Buffer<uint8_t>>();
  int64_t offset = info[2].As<Napi::Number>().Int64Value();
  int64_t length = info[3].As<Napi::Number>().Int64Value();
  if (offset < 0 || length <= 0 || length > MAXLONG || static_cast<uint64_t>(offset + length) > buffer.Length()) {
    Napi::RangeError::New(env, "offset and length must lie inside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* request = new CountRequest(env, s, info[4].As<Napi::Function>());
  request->Keep(buffer);
  WSABUF slice{static_cast<ULONG>(length), reinterpret_cast<CHAR*>(buffer.Data() + offset)};
  DWORD flags = 0;
  int rc = WSARecv(s, &slice, 1, nullptr, &flags, request->overlapped(), nullptr);
  return Started(env, request, rc == 0, rc == 0 ? 0 : static_cast<DWORD>(WSAGetLastError()));
}

// send(socket, buffers[], callback(result)): result is the byte count (all of them on a stream
// socket, unless it failed) or a negated error.
Napi::Value Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SOCKET s;
  if (!ArgIsSocket(info, 0, "socket", &s)) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsArray()) {
    Napi::TypeError::New(env, "argument 'buffers' must be an array of Buffers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!ArgIsFunction(info, 2, "callback")) return env.Undefined();
  auto array = info[1].As<Napi::Array>();
  std::vector<WSABUF> slices;
  slices.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsBuffer()) {
      Napi::TypeError::New(env, "argument 'buffers' must contain only Buffers").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto buffer = item.As<Napi::Buffer<uint8_t>>();
    if (buffer.Length() > MAXLONG) {
      Napi::RangeError::New(env, "a buffer is larger than one send can take").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    slices.push_back(WSABUF{static_cast<ULONG>(buffer.Length()), reinterpret_cast<CHAR*>(buffer.Data())});
  }
  auto* request = new CountRequest(env, s, info[2].As<Napi::Function>());
  for (uint32_t i = 0; i < array.Length(); i++) request->Keep(array.Get(i));
  // WSASend copies the WSABUF array itself; only the bytes must outlive the call.
  int rc = WSASend(s, slices.data(), static_cast<DWORD>(slices.size()), nullptr, 0, request->overlapped(), nullptr);
  return Started(env, request, rc == 0, rc == 0 ? 0 : static_cast<DWORD>(WSAGetLastError()));
}

// ioRef() / ioUnref(): JS holds one ref per socket or server that has work pending and is not
// unref()'d, so the process stays alive exactly as long as node:net's would.
Napi::Value IoRef(const Napi::CallbackInfo& info) {
  IoPort* port = IoPort::From(info.Env());
  if (port != nullptr) port->Ref();
  return info.Env().Undefined();
}

Napi::Value IoUnref(const Napi::CallbackInfo& info) {
  IoPort* port = IoPort::From(info.Env());
  if (port != nullptr) port->Unref();
  return info.Env().Undefined();
}

}  // namespace

void RegisterOverlappedOps(Napi::Env env, Napi::Object exports) {
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("accept", Napi::Function::New(env, Accept, "accept"));
  exports.Set("recv", Napi::Function::New(env, Recv, "recv"));
  exports.Set("send", Napi::Function::New(env, Send, "send"));
  exports.Set("ioRef", Napi::Function::New(env, IoRef, "ioRef"));
  exports.Set("ioUnref", Napi::Function::New(env, IoUnref, "ioUnref"));
}

}  // namespace vmrpc

// Linux socket syscalls for AF_VSOCK (and AF_UNIX, which runs through the same code in tests).
// Every function returns >= 0 on success or -errno (which equals the libuv error code on Unix).
// Sockets are created non-blocking and close-on-exec; readiness comes from poller.cc.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vector>

#include "../addon.h"

namespace vmrpc {
namespace {

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

constexpr size_t kMaxSockaddr = sizeof(sockaddr_storage);

Napi::Value Result(Napi::Env env, long value) {
  return Napi::Number::New(env, static_cast<double>(value));
}

long Check(long rc) { return rc < 0 ? -errno : rc; }

Napi::Value Socket(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "domain") || !ArgIsInt(info, 1, "type")) return info.Env().Undefined();
  int domain = info[0].As<Napi::Number>().Int32Value();
  int type = info[1].As<Napi::Number>().Int32Value();
  return Result(info.Env(), Check(socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)));
}

Napi::Value Bind(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "address")) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto addr = info[1].As<Napi::Buffer<uint8_t>>();
  return Result(info.Env(),
                Check(bind(fd, reinterpret_cast<sockaddr*>(addr.Data()), static_cast<socklen_t>(addr.Length()))));
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsInt(info, 1, "backlog")) return info.Env().Undefined();
  return Result(info.Env(), Check(listen(info[0].As<Napi::Number>().Int32Value(),
                                         info[1].As<Napi::Number>().Int32Value())));
}

// Starts a connect: 0 when connected at once, -EINPROGRESS while pending (poll for writable,
// then read the outcome with socketError), or another negative code.
Napi::Value Connect(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "address")) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto addr = info[1].As<Napi::Buffer<uint8_t>>();
  long rc = Check(connect(fd, reinterpret_cast<sockaddr*>(addr.Data()), static_cast<socklen_t>(addr.Length())));
  // A signal during a non-blocking connect leaves it in progress, as EINPROGRESS does.
  if (rc == -EINTR) rc = -EINPROGRESS;
  return Result(info.Env(), rc);
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd")) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  long rc;
  do {
    rc = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } while (rc < 0 && errno == EINTR);
  return Result(info.Env(), Check(rc));
}

// Returns the raw sockaddr bytes (JS decodes the family's layout) or a negative code.
Napi::Value SockName(const Napi::CallbackInfo& info, bool peer) {
  if (!ArgIsInt(info, 0, "fd")) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length)
                : getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  if (rc < 0) return Result(info.Env(), -errno);
  if (length > kMaxSockaddr) length = kMaxSockaddr;
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<uint8_t*>(&storage), length);
}

Napi::Value GetSockName(const Napi::CallbackInfo& info) { return SockName(info, false); }
Napi::Value GetPeerName(const Napi::CallbackInfo& info) { return SockName(info, true); }

// getsockopt(fd, level, name, out) -> bytes written into out, or a negative code.
Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsInt(info, 1, "level") || !ArgIsInt(info, 2, "name") ||
      !ArgIsBuffer(info, 3, "out")) {
    return info.Env().Undefined();
  }
  auto out = info[3].As<Napi::Buffer<uint8_t>>();
  socklen_t length = static_cast<socklen_t>(out.Length());
  int rc = getsockopt(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                      info[2].As<Napi::Number>().Int32Value(), out.Data(), &length);
  return Result(info.Env(), rc < 0 ? -errno : static_cast<long>(length));
}

Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsInt(info, 1, "level") || !ArgIsInt(info, 2, "name") ||
      !ArgIsBuffer(info, 3, "value")) {
    return info.Env().Undefined();
  }
  auto value = info[3].As<Napi::Buffer<uint8_t>>();
  return Result(info.Env(), Check(setsockopt(info[0].As<Napi::Number>().Int32Value(),
                                             info[1].As<Napi::Number>().Int32Value(),
                                             info[2].As<Napi::Number>().Int32Value(), value.Data(),
                                             static_cast<socklen_t>(value.Length()))));
}

// The pending error of a socket (SO_ERROR) as a negative code, 0 when none.
Napi::Value SocketError(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd")) return info.Env().Undefined();
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(info[0].As<Napi::Number>().Int32Value(), SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
    return Result(info.Env(), -errno);
  }
  return Result(info.Env(), -error);
}

// Checks (fd, buffer, offset, length) and returns the byte range, or nullptr after throwing.
uint8_t* BufferRange(const Napi::CallbackInfo& info, size_t* length) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "buffer") || !ArgIsInt(info, 2, "offset") ||
      !ArgIsInt(info, 3, "length")) {
    return nullptr;
  }
  auto buffer = info[1].As<Napi::Buffer<uint8_t>>();
  int64_t offset = info[2].As<Napi::Number>().Int64Value();
  int64_t count = info[3].As<Napi::Number>().Int64Value();
  if (offset < 0 || count < 0 || static_cast<uint64_t>(offset + count) > buffer.Length()) {
    Napi::RangeError::New(info.Env(), "offset and length must lie inside the buffer").ThrowAsJavaScriptException();
    return nullptr;
  }
  *length = static_cast<size_t>(count);
  return buffer.Data() + offset;
}

Napi::Value Receive(const Napi::CallbackInfo& info, int flags) {
  size_t length = 0;
  uint8_t* data = BufferRange(info, &length);
  if (data == nullptr) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  ssize_t rc;
  do {
    rc = recv(fd, data, length, flags | MSG_DONTWAIT);
  } while (rc < 0 && errno == EINTR);
  return Result(info.Env(), Check(rc));
}

// read(fd, buffer, offset, length) -> bytes read (0 at end of stream) or a negative code.
Napi::Value Read(const Napi::CallbackInfo& info) { return Receive(info, 0); }

// peek(fd, buffer, offset, length): as read, but the bytes stay queued (handshakes read exactly
// their own line and leave the rest of the stream to the socket).
Napi::Value Peek(const Napi::CallbackInfo& info) { return Receive(info, MSG_PEEK); }

// writev(fd, buffers[]) -> bytes written (maybe fewer than offered) or a negative code.
Napi::Value Writev(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd")) return info.Env().Undefined();
  if (info.Length() < 2 || !info[1].IsArray()) {
    Napi::TypeError::New(info.Env(), "argument 'buffers' must be an array of Buffers").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  auto array = info[1].As<Napi::Array>();
  uint32_t count = array.Length();
  if (count > IOV_MAX) count = IOV_MAX;  // the caller offers the rest again after a short write
  std::vector<iovec> iov(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsBuffer()) {
      Napi::TypeError::New(info.Env(), "argument 'buffers' must contain only Buffers").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    auto buffer = item.As<Napi::Buffer<uint8_t>>();
    iov[i].iov_base = buffer.Data();
    iov[i].iov_len = buffer.Length();
  }
  msghdr message{};
  message.msg_iov = iov.data();
  message.msg_iovlen = count;
  ssize_t rc;
  do {
    rc = sendmsg(fd, &message, MSG_NOSIGNAL);
  } while (rc < 0 && errno == EINTR);
  return Result(info.Env(), Check(rc));
}

// recvMessage(fd, buffer) -> size of one whole message, or -EMSGSIZE when it did not fit
// (the message is then consumed: SOCK_SEQPACKET drops the rest), or a negative code.
Napi::Value RecvMessage(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "buffer")) return info.Env().Undefined();
  auto buffer = info[1].As<Napi::Buffer<uint8_t>>();
  iovec iov{buffer.Data(), buffer.Length()};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  ssize_t rc;
  do {
    rc = recvmsg(info[0].As<Napi::Number>().Int32Value(), &message, MSG_DONTWAIT);
  } while (rc < 0 && errno == EINTR);
  if (rc >= 0 && (message.msg_flags & MSG_TRUNC)) return Result(info.Env(), -EMSGSIZE);
  return Result(info.Env(), Check(rc));
}

// sendMessage(fd, buffer) -> bytes sent (the whole message on SOCK_SEQPACKET) or a negative code.
Napi::Value SendMessage(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "buffer")) return info.Env().Undefined();
  auto buffer = info[1].As<Napi::Buffer<uint8_t>>();
  ssize_t rc;
  do {
    rc = send(info[0].As<Napi::Number>().Int32Value(), buffer.Data(), buffer.Length(), MSG_NOSIGNAL);
  } while (rc < 0 && errno == EINTR);
  return Result(info.Env(), Check(rc));
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsInt(info, 1, "how")) return info.Env().Undefined();
  return Result(info.Env(), Check(shutdown(info[0].As<Napi::Number>().Int32Value(),
                                           info[1].As<Napi::Number>().Int32Value())));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd")) return info.Env().Undefined();
  // Linux releases the descriptor even when close reports EINTR: never retry.
  return Result(info.Env(), Check(close(info[0].As<Napi::Number>().Int32Value())));
}

// setBlocking(fd, blocking) -> 0 or a negative code (vsock seqpacket sockets send in blocking
// mode on their sender thread: seqpacket_sender.cc).
Napi::Value SetBlocking(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd")) return info.Env().Undefined();
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool blocking = info.Length() > 1 && info[1].ToBoolean().Value();
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return Napi::Number::New(info.Env(), -errno);
  flags = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
  return Napi::Number::New(info.Env(), fcntl(fd, F_SETFL, flags) < 0 ? -errno : 0);
}

}  // namespace

void RegisterSocketOps(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket, "socket"));
  exports.Set("setBlocking", Napi::Function::New(env, SetBlocking, "setBlocking"));
  exports.Set("bind", Napi::Function::New(env, Bind, "bind"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("accept", Napi::Function::New(env, Accept, "accept"));
  exports.Set("getsockname", Napi::Function::New(env, GetSockName, "getsockname"));
  exports.Set("getpeername", Napi::Function::New(env, GetPeerName, "getpeername"));
  exports.Set("getsockopt", Napi::Function::New(env, GetSockOpt, "getsockopt"));
  exports.Set("setsockopt", Napi::Function::New(env, SetSockOpt, "setsockopt"));
  exports.Set("socketError", Napi::Function::New(env, SocketError, "socketError"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("peek", Napi::Function::New(env, Peek, "peek"));
  exports.Set("writev", Napi::Function::New(env, Writev, "writev"));
  exports.Set("recvMessage", Napi::Function::New(env, RecvMessage, "recvMessage"));
  exports.Set("sendMessage", Napi::Function::New(env, SendMessage, "sendMessage"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));

  Napi::Object constants = Napi::Object::New(env);
  constants.Set("AF_UNIX", static_cast<int>(AF_UNIX));
  constants.Set("AF_VSOCK", static_cast<int>(AF_VSOCK));
  constants.Set("SOCK_STREAM", static_cast<int>(SOCK_STREAM));
  constants.Set("SOCK_SEQPACKET", static_cast<int>(SOCK_SEQPACKET));
  constants.Set("SOL_SOCKET", static_cast<int>(SOL_SOCKET));
  constants.Set("SO_SNDBUF", static_cast<int>(SO_SNDBUF));
  constants.Set("SO_RCVBUF", static_cast<int>(SO_RCVBUF));
  constants.Set("SO_PEERCRED", static_cast<int>(SO_PEERCRED));
  constants.Set("SHUT_RD", static_cast<int>(SHUT_RD));
  constants.Set("SHUT_WR", static_cast<int>(SHUT_WR));
  constants.Set("SHUT_RDWR", static_cast<int>(SHUT_RDWR));
  exports.Set("constants", constants);
}

}  // namespace vmrpc

// Whole-message sends for AF_VSOCK SOCK_SEQPACKET. A non-blocking vsock seqpacket send can queue
// part of a message and still fail with EAGAIN (the kernel reports a count only when the whole
// message went), so a retry would duplicate that part. Such sockets are switched to blocking
// mode and each send runs as one blocking send(2) on libuv's thread pool: the kernel then queues
// the whole message or fails. Receives stay non-blocking with MSG_DONTWAIT.
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "../addon.h"

namespace vmrpc {
namespace {

class BlockingSend : public Napi::AsyncWorker {
 public:
  BlockingSend(Napi::Function callback, int fd, Napi::Buffer<uint8_t> message)
      : Napi::AsyncWorker(callback, "vmrpc:seqpacket-send"),
        fd_(fd),
        data_(message.Data()),
        length_(message.Length()),
        message_(Napi::Persistent(message)) {}

  void Execute() override {
    ssize_t rc;
    do {
      rc = send(fd_, data_, length_, MSG_NOSIGNAL);
    } while (rc < 0 && errno == EINTR);
    result_ = rc < 0 ? -errno : static_cast<long>(rc);
  }

  void OnOK() override { Callback().Call({Napi::Number::New(Env(), static_cast<double>(result_))}); }

 private:
  int fd_;
  const uint8_t* data_;
  size_t length_;
  Napi::Reference<Napi::Buffer<uint8_t>> message_;  // keeps the bytes alive while the thread sends
  long result_ = 0;
};

// sendMessageBlocking(fd, buffer, callback(result)): result is the byte count or a negative code.
Napi::Value SendMessageBlocking(const Napi::CallbackInfo& info) {
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "buffer")) return info.Env().Undefined();
  if (info.Length() < 3 || !info[2].IsFunction()) {
    Napi::TypeError::New(info.Env(), "argument 'callback' must be a function").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  auto* worker = new BlockingSend(info[2].As<Napi::Function>(), info[0].As<Napi::Number>().Int32Value(),
                                  info[1].As<Napi::Buffer<uint8_t>>());
  worker->Queue();
  return info.Env().Undefined();
}

// setBlocking(fd, blocking) -> 0 or a negative code.
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

void RegisterBlockingSend(Napi::Env env, Napi::Object exports) {
  exports.Set("sendMessageBlocking", Napi::Function::New(env, SendMessageBlocking, "sendMessageBlocking"));
  exports.Set("setBlocking", Napi::Function::New(env, SetBlocking, "setBlocking"));
}

}  // namespace vmrpc

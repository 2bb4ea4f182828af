// Whole-message sends for AF_VSOCK SOCK_SEQPACKET. A non-blocking vsock seqpacket send can queue
// part of a message and still fail with EAGAIN (the kernel reports a count only when the whole
// message went), so a retry would duplicate that part; a send timeout (SO_SNDTIMEO) ends the
// same way. Such sockets are therefore switched to blocking mode, and each send is one blocking
// send(2) on a thread of its own: the kernel queues the whole message or fails. Not on libuv's
// thread pool: four peers that stop reading would hold all four of its threads and stall every
// fs, dns, zlib and crypto job of the process. A socket sends one message at a time (JS queues
// the rest), so there is at most one such thread per socket. Receives stay non-blocking
// (MSG_DONTWAIT).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <uv.h>

#include <unordered_set>
#include <vector>

#include "../addon.h"

namespace vmrpc {
namespace {

// Enough for send(2) and the bookkeeping around it.
constexpr size_t kSenderStackBytes = 256 * 1024;

class SendThreads;

// One message in flight: the thread sends it, the JS thread reports the result.
struct Send {
  SendThreads* owner = nullptr;
  uv_thread_t thread{};
  int fd = -1;
  const uint8_t* data = nullptr;
  size_t length = 0;
  long result = 0;
  Napi::Reference<Napi::Buffer<uint8_t>> message;  // keeps the bytes alive while the thread sends
  Napi::FunctionReference callback;
};

// The sends of one Node environment: their threads, and the async handle that brings each
// finished send back to the JS thread.
class SendThreads {
 public:
  static SendThreads* Create(Napi::Env env) {
    auto* threads = new SendThreads(env);
    napi_add_async_cleanup_hook(env, Cleanup, threads, &threads->cleanup_);
    return threads;
  }

  // Starts a thread for `send`: 0, or a negative libuv code (nothing started) when the system
  // has no thread to give.
  int Start(Send* send) {
    send->owner = this;
    uv_thread_options_t options;
    options.flags = UV_THREAD_HAS_STACK_SIZE;
    options.stack_size = kSenderStackBytes;
    int rc = uv_thread_create_ex(&send->thread, &options, ThreadMain, send);
    if (rc != 0) return rc;
    // A pending send keeps the process alive, as a pending write of node:net does.
    if (running_.empty()) uv_ref(reinterpret_cast<uv_handle_t*>(&async_));
    running_.insert(send);
    return 0;
  }

 private:
  explicit SendThreads(Napi::Env env) : env_(env) {
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    uv_mutex_init(&lock_);
    uv_async_init(loop, &async_, OnAsync);
    async_.data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
    napi_value name;
    napi_create_string_utf8(env, "vmrpc:seqpacket-send", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, nullptr, name, &context_);
  }

  static void ThreadMain(void* arg) {
    auto* job = static_cast<Send*>(arg);
    // No signal handler may run here: a send interrupted after part of the message was queued
    // would report EINTR for a message the peer then receives cut short.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    ssize_t rc = send(job->fd, job->data, job->length, MSG_NOSIGNAL);
    job->result = rc < 0 ? -errno : static_cast<long>(rc);
    SendThreads* owner = job->owner;
    uv_mutex_lock(&owner->lock_);
    owner->finished_.push_back(job);
    uv_mutex_unlock(&owner->lock_);
    uv_async_send(&owner->async_);
  }

  static void OnAsync(uv_async_t* handle) { static_cast<SendThreads*>(handle->data)->DeliverFinished(); }

  void DeliverFinished() {
    std::vector<Send*> batch;
    uv_mutex_lock(&lock_);
    batch.swap(finished_);
    uv_mutex_unlock(&lock_);
    for (Send* send : batch) {
      uv_thread_join(&send->thread);  // the thread has finished its work: this returns at once
      running_.erase(send);
      if (running_.empty()) uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
      Napi::HandleScope scope(env_);
      napi_value result = Napi::Number::New(env_, static_cast<double>(send->result));
      napi_value callback = send->callback.Value();
      delete send;
      CallFromEventLoop(env_, context_, callback, 1, &result);
    }
  }

  // Environment teardown (a worker ending): wake blocked sends by shutting their sockets down,
  // wait for their threads, and close the handle. An async cleanup hook, so that Node runs the
  // loop until the handle's close callback said so: this library's code must not be unloaded
  // while libuv still holds a callback into it. The references die with the environment, so
  // they are not released one by one.
  static void Cleanup(napi_async_cleanup_hook_handle, void* arg) {
    auto* self = static_cast<SendThreads*>(arg);
    for (Send* send : self->running_) shutdown(send->fd, SHUT_RDWR);
    for (Send* send : self->running_) uv_thread_join(&send->thread);
    for (Send* send : self->running_) {
      send->message.SuppressDestruct();
      send->callback.SuppressDestruct();
      delete send;
    }
    self->running_.clear();
    self->finished_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&self->async_), [](uv_handle_t* handle) {
      auto* threads = static_cast<SendThreads*>(handle->data);
      napi_async_cleanup_hook_handle cleanup = threads->cleanup_;
      uv_mutex_destroy(&threads->lock_);
      delete threads;
      napi_remove_async_cleanup_hook(cleanup);
    });
  }

  Napi::Env env_;
  uv_async_t async_{};
  uv_mutex_t lock_{};
  napi_async_context context_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  std::vector<Send*> finished_;        // guarded by lock_
  std::unordered_set<Send*> running_;  // JS thread only
};

// sendMessageBlocking(fd, buffer, callback(result)) -> 0 when the send started (the callback
// then gets the byte count or a negative code), or a negative code (no callback) when no thread
// could be started. The fd must stay open until the callback ran (shut it down to end a blocked
// send early).
Napi::Value SendMessageBlocking(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgIsInt(info, 0, "fd") || !ArgIsBuffer(info, 1, "buffer") || !ArgIsFunction(info, 2, "callback")) {
    return env.Undefined();
  }
  auto message = info[1].As<Napi::Buffer<uint8_t>>();
  auto* send = new Send();
  send->fd = info[0].As<Napi::Number>().Int32Value();
  send->data = message.Data();
  send->length = message.Length();
  send->message = Napi::Persistent(message);
  send->callback = Napi::Persistent(info[2].As<Napi::Function>());
  int rc = static_cast<SendThreads*>(info.Data())->Start(send);
  if (rc != 0) delete send;
  return Napi::Number::New(env, rc);
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
  SendThreads* threads = SendThreads::Create(env);
  exports.Set("sendMessageBlocking", Napi::Function::New(env, SendMessageBlocking, "sendMessageBlocking", threads));
  exports.Set("setBlocking", Napi::Function::New(env, SetBlocking, "setBlocking"));
}

}  // namespace vmrpc

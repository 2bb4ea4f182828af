// Whole-message sends for AF_VSOCK SOCK_SEQPACKET, on one long-lived thread per socket.
//
// A non-blocking vsock seqpacket send can queue part of a message and still fail with EAGAIN
// (the kernel reports a count only when the whole message went), so a retry would duplicate that
// part; a send timeout (SO_SNDTIMEO) ends the same way. Such sockets are therefore switched to
// blocking mode and their messages are sent by a blocking send(2) on a thread of the socket's
// own: the kernel queues the whole message or fails. Not on libuv's thread pool: four peers that
// stop reading would hold all four of its threads and stall every fs, dns, zlib and crypto job
// of the process. The thread starts with the socket's first send, sleeps on a condition variable
// between messages and ends when the socket is closed (or its Node environment ends), so
// messages sent one after another pay for no thread start each. Receives stay non-blocking.
//
// JS: new SeqpacketSender(fd, onSent(result)). send(buffer) -> 0 (accepted) or a negative code
// (no thread could be started; nothing queued). Every accepted message gets exactly one onSent,
// in order: its byte count or a negative code (-ECANCELED when close() dropped it unsent).
// close() -> true when the fd may be closed at once; false when a send was in progress: it is
// woken by shutting the socket down, and the fd must stay open until the last accepted message
// had its onSent.
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <uv.h>

#include <deque>
#include <unordered_set>
#include <vector>

#include "../addon.h"

namespace vmrpc {
namespace {

// Enough for send(2) and the bookkeeping around it.
constexpr size_t kSenderStackBytes = 256 * 1024;

class SenderThreads;
class SeqpacketSender;

// One accepted message; the JS thread frees it when its result is delivered.
struct Message {
  const uint8_t* data = nullptr;
  size_t length = 0;
  Napi::Reference<Napi::Buffer<uint8_t>> buffer;  // keeps the bytes alive while the thread sends
};

// One socket's sender: shared by the JS thread and the socket's sender thread.
struct SenderState {
  SenderThreads* owner = nullptr;
  int fd = -1;
  uv_thread_t thread{};
  bool started = false;                // JS thread only
  SeqpacketSender* wrapper = nullptr;  // JS thread only: the JS object, until close()
  Napi::FunctionReference onSent;      // JS thread only
  uv_mutex_t lock{};
  uv_cond_t wake{};
  std::deque<Message*> queue;  // guarded by lock
  bool stopping = false;       // guarded by lock
  bool sending = false;        // guarded by lock: the thread is inside send(2)
};

// What a sender thread tells the JS thread: a message's result, or (message null) its own end.
struct Event {
  SenderState* state;
  Message* message;
  long result;
};

// The senders of one Node environment and the async handle that brings their results back to
// the JS thread.
class SenderThreads {
 public:
  static SenderThreads* Create(Napi::Env env) {
    auto* threads = new SenderThreads(env);
    napi_add_async_cleanup_hook(env, Cleanup, threads, &threads->cleanup_);
    return threads;
  }

  SenderState* Open(int fd, Napi::Function onSent, SeqpacketSender* wrapper) {
    auto* state = new SenderState();
    state->owner = this;
    state->fd = fd;
    state->wrapper = wrapper;
    state->onSent = Napi::Persistent(onSent);
    uv_mutex_init(&state->lock);
    uv_cond_init(&state->wake);
    live_.insert(state);
    return state;
  }

  // Queues `message`, starting the socket's thread on its first send: 0 or a negative code.
  int Send(SenderState* state, Message* message) {
    if (!state->started) {
      uv_thread_options_t options;
      options.flags = UV_THREAD_HAS_STACK_SIZE;
      options.stack_size = kSenderStackBytes;
      int rc = uv_thread_create_ex(&state->thread, &options, ThreadMain, state);
      if (rc != 0) return rc;
      state->started = true;
    }
    // An accepted message keeps the process alive until its result is in, as a pending write of
    // node:net does.
    if (pending_++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(&async_));
    uv_mutex_lock(&state->lock);
    state->queue.push_back(message);
    uv_cond_signal(&state->wake);
    uv_mutex_unlock(&state->lock);
    return 0;
  }

  // Ends the socket's sender (its thread drains the queue with -ECANCELED and exits): true when
  // no send is in progress, so the fd may be closed now.
  bool Close(SenderState* state) {
    state->wrapper = nullptr;
    if (!state->started) {
      live_.erase(state);
      Free(state);
      return true;
    }
    return Stop(state);
  }

 private:
  explicit SenderThreads(Napi::Env env) : env_(env) {
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

  // Shutting the socket down under the lock: either the thread is inside send(2), which returns
  // (EPIPE), or it sees `stopping` before it would start another send.
  static bool Stop(SenderState* state) {
    uv_mutex_lock(&state->lock);
    state->stopping = true;
    bool busy = state->sending;
    if (busy) shutdown(state->fd, SHUT_RDWR);
    uv_cond_signal(&state->wake);
    uv_mutex_unlock(&state->lock);
    return !busy;
  }

  static void Free(SenderState* state) {
    uv_cond_destroy(&state->wake);
    uv_mutex_destroy(&state->lock);
    delete state;
  }

  static void ThreadMain(void* arg) {
    auto* state = static_cast<SenderState*>(arg);
    // No signal handler may run here: a send interrupted after part of the message was queued
    // would report EINTR for a message the peer then receives cut short.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    uv_mutex_lock(&state->lock);
    for (;;) {
      while (state->queue.empty() && !state->stopping) uv_cond_wait(&state->wake, &state->lock);
      if (state->queue.empty()) break;
      Message* message = state->queue.front();
      state->queue.pop_front();
      long result = -ECANCELED;
      if (!state->stopping) {
        state->sending = true;
        uv_mutex_unlock(&state->lock);
        ssize_t rc = send(state->fd, message->data, message->length, MSG_NOSIGNAL);
        result = rc < 0 ? -errno : static_cast<long>(rc);
        uv_mutex_lock(&state->lock);
        state->sending = false;
      }
      state->owner->Post({state, message, result});
    }
    uv_mutex_unlock(&state->lock);
    state->owner->Post({state, nullptr, 0});
  }

  void Post(Event event) {
    uv_mutex_lock(&lock_);
    events_.push_back(event);
    uv_mutex_unlock(&lock_);
    uv_async_send(&async_);
  }

  static void OnAsync(uv_async_t* handle) { static_cast<SenderThreads*>(handle->data)->Deliver(); }

  void Deliver() {
    std::vector<Event> batch;
    uv_mutex_lock(&lock_);
    batch.swap(events_);
    uv_mutex_unlock(&lock_);
    for (const Event& event : batch) {
      SenderState* state = event.state;
      if (event.message == nullptr) {
        uv_thread_join(&state->thread);  // the thread posted its last event: this returns at once
        live_.erase(state);
        Free(state);
        continue;
      }
      delete event.message;
      if (--pending_ == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
      Napi::HandleScope scope(env_);
      napi_value result = Napi::Number::New(env_, static_cast<double>(event.result));
      CallFromEventLoop(env_, context_, state->onSent.Value(), 1, &result);
    }
  }

  // Environment teardown (a worker ending): stop every sender (waking blocked sends by shutting
  // their sockets down), join the threads, close the handle. An async cleanup hook, so that Node
  // runs the loop until the handle's close callback said so: this library's code must not be
  // unloaded while libuv still holds a callback into it. References die with the environment, so
  // they are not released one by one; JS objects that outlive this see a closed sender.
  static void Cleanup(napi_async_cleanup_hook_handle, void* arg);

  Napi::Env env_;
  uv_async_t async_{};
  uv_mutex_t lock_{};
  napi_async_context context_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  std::vector<Event> events_;               // guarded by lock_
  std::unordered_set<SenderState*> live_;  // JS thread only: every state not yet freed
  size_t pending_ = 0;                     // JS thread only: accepted messages not yet delivered
};

class SeqpacketSender : public Napi::ObjectWrap<SeqpacketSender> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SeqpacketSender",
                       {InstanceMethod<&SeqpacketSender::Send>("send"), InstanceMethod<&SeqpacketSender::Close>("close")},
                       SenderThreads::Create(env));
  }

  explicit SeqpacketSender(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SeqpacketSender>(info) {
    if (!ArgIsInt(info, 0, "fd") || !ArgIsFunction(info, 1, "onSent")) return;
    owner_ = static_cast<SenderThreads*>(info.Data());
    state_ = owner_->Open(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Function>(), this);
  }

  // Collected without close(): end the thread; the fd is the JS side's to close.
  ~SeqpacketSender() override {
    if (state_ != nullptr) owner_->Close(state_);
  }

  // Teardown freed the state: this object now acts as closed.
  void Detach() { state_ = nullptr; }

 private:
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ArgIsBuffer(info, 0, "buffer")) return env.Undefined();
    if (state_ == nullptr) return Napi::Number::New(env, UV_EBADF);
    auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
    auto* message = new Message();
    message->data = buffer.Data();
    message->length = buffer.Length();
    message->buffer = Napi::Persistent(buffer);
    int rc = owner_->Send(state_, message);
    if (rc != 0) delete message;
    return Napi::Number::New(env, rc);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    bool idle = state_ == nullptr || owner_->Close(state_);
    state_ = nullptr;
    return Napi::Boolean::New(info.Env(), idle);
  }

  SenderThreads* owner_ = nullptr;
  SenderState* state_ = nullptr;
};

void SenderThreads::Cleanup(napi_async_cleanup_hook_handle, void* arg) {
  auto* self = static_cast<SenderThreads*>(arg);
  for (SenderState* state : self->live_) Stop(state);
  for (SenderState* state : self->live_) {
    if (state->started) uv_thread_join(&state->thread);
  }
  for (const Event& event : self->events_) {
    if (event.message == nullptr) continue;
    event.message->buffer.SuppressDestruct();
    delete event.message;
  }
  self->events_.clear();
  for (SenderState* state : self->live_) {
    if (state->wrapper != nullptr) state->wrapper->Detach();
    state->onSent.SuppressDestruct();
    Free(state);
  }
  self->live_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&self->async_), [](uv_handle_t* handle) {
    auto* threads = static_cast<SenderThreads*>(handle->data);
    napi_async_cleanup_hook_handle cleanup = threads->cleanup_;
    uv_mutex_destroy(&threads->lock_);
    delete threads;
    napi_remove_async_cleanup_hook(cleanup);
  });
}

}  // namespace

void RegisterSeqpacketSender(Napi::Env env, Napi::Object exports) {
  exports.Set("SeqpacketSender", SeqpacketSender::Define(env));
}

}  // namespace vmrpc

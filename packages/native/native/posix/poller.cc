// Poller: readiness events for one socket from Node's own event loop (uv_poll), so sockets
// need no thread each. JS: new Poller(fd, (status, events) => {}), start(events), stop(),
// ref(), unref(), close(). The fd stays owned by JS; close() the poller before closing the fd.
#include <uv.h>

#include <unordered_set>

#include "../addon.h"

namespace vmrpc {
namespace {

class Poller;

// The poll handles of one environment that libuv has not finished closing. When the environment
// ends (a worker stops) the open ones are closed by an async cleanup hook, and Node keeps running
// the loop until every close callback ran: libuv must never call into this library after Node
// unloaded it (a worker ended with a socket open crashed that way).
class PollHandles {
 public:
  static PollHandles* Create(napi_env env) {
    auto* handles = new PollHandles();
    napi_add_async_cleanup_hook(env, Teardown, handles, &handles->hook_);
    return handles;
  }

  void Opened(Poller* poller) {
    open_.insert(poller);
    unclosed_++;
  }
  void Closing(Poller* poller) { open_.erase(poller); }

  static void OnClosed(uv_handle_t* handle) {
    auto* self = static_cast<PollHandles*>(handle->data);
    delete reinterpret_cast<uv_poll_t*>(handle);
    if (--self->unclosed_ == 0 && self->tearingDown_) self->Finish();
  }

 private:
  static void Teardown(napi_async_cleanup_hook_handle, void* arg);

  void Finish() {
    napi_remove_async_cleanup_hook(hook_);
    delete this;
  }

  std::unordered_set<Poller*> open_;
  size_t unclosed_ = 0;
  bool tearingDown_ = false;
  napi_async_cleanup_hook_handle hook_ = nullptr;
};

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod<&Poller::Start>("start"), InstanceMethod<&Poller::Stop>("stop"),
                        InstanceMethod<&Poller::Ref>("ref"), InstanceMethod<&Poller::Unref>("unref"),
                        InstanceMethod<&Poller::Close>("close")},
                       PollHandles::Create(env));
  }

  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
    handles_ = static_cast<PollHandles*>(info.Data());
    if (!ArgIsInt(info, 0, "fd")) return;
    if (info.Length() < 2 || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "argument 'onEvent' must be a function").ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
      Napi::Error::New(env, "cannot reach the event loop").ThrowAsJavaScriptException();
      return;
    }
    handle_ = new uv_poll_t;
    int rc = uv_poll_init_socket(loop, handle_, info[0].As<Napi::Number>().Int32Value());
    if (rc != 0) {
      delete handle_;
      handle_ = nullptr;
      Napi::Error error = Napi::Error::New(env, std::string("poll ") + uv_err_name(rc));
      error.Set("code", uv_err_name(rc));
      error.ThrowAsJavaScriptException();
      return;
    }
    handle_->data = this;
    handles_->Opened(this);
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    context_ = std::make_unique<Napi::AsyncContext>(env, "VmSocketPoller");
  }

  ~Poller() override { CloseHandle(); }

  // Stops events and hands the handle to libuv to close (PollHandles frees it).
  void CloseHandle() {
    if (handle_ == nullptr) return;
    uv_poll_stop(handle_);
    handle_->data = handles_;
    handles_->Closing(this);
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), PollHandles::OnClosed);
    handle_ = nullptr;
  }

 private:

  static void OnEvent(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<Poller*>(handle->data);
    Napi::Env env = self->callback_.Env();
    Napi::HandleScope scope(env);
    napi_value args[] = {Napi::Number::New(env, status), Napi::Number::New(env, events)};
    CallFromEventLoop(env, *self->context_, self->callback_.Value(), 2, args);
  }

  bool EnsureOpen(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) return true;
    Napi::Error::New(info.Env(), "poller is closed").ThrowAsJavaScriptException();
    return false;
  }

  // start(events): events is a mask of UV_READABLE (1) and UV_WRITABLE (2); replaces the mask.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    if (!EnsureOpen(info) || !ArgIsInt(info, 0, "events")) return info.Env().Undefined();
    int events = info[0].As<Napi::Number>().Int32Value() & (UV_READABLE | UV_WRITABLE | UV_DISCONNECT);
    int rc = events == 0 ? uv_poll_stop(handle_) : uv_poll_start(handle_, events, OnEvent);
    return Napi::Number::New(info.Env(), rc);
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_poll_stop(handle_);
    return info.Env().Undefined();
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    CloseHandle();
    callback_.Reset();
    return info.Env().Undefined();
  }

  PollHandles* handles_ = nullptr;
  uv_poll_t* handle_ = nullptr;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> context_;
};

void PollHandles::Teardown(napi_async_cleanup_hook_handle, void* arg) {
  auto* self = static_cast<PollHandles*>(arg);
  self->tearingDown_ = true;
  std::unordered_set<Poller*> open;
  open.swap(self->open_);
  for (Poller* poller : open) poller->CloseHandle();
  if (self->unclosed_ == 0) self->Finish();
}

}  // namespace

void RegisterPoller(Napi::Env env, Napi::Object exports) {
  exports.Set("Poller", Poller::Define(env));
  Napi::Object events = Napi::Object::New(env);
  events.Set("READABLE", static_cast<int>(UV_READABLE));
  events.Set("WRITABLE", static_cast<int>(UV_WRITABLE));
  events.Set("DISCONNECT", static_cast<int>(UV_DISCONNECT));
  exports.Set("pollEvents", events);
}

}  // namespace vmrpc

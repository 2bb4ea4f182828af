// Poller: readiness events for one socket from Node's own event loop (uv_poll), so sockets
// need no thread each. JS: new Poller(fd, (status, events) => {}), start(events), stop(),
// ref(), unref(), close(). The fd stays owned by JS; close() the poller before closing the fd.
#include <uv.h>

#include "../addon.h"

namespace vmrpc {
namespace {

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod<&Poller::Start>("start"), InstanceMethod<&Poller::Stop>("stop"),
                        InstanceMethod<&Poller::Ref>("ref"), InstanceMethod<&Poller::Unref>("unref"),
                        InstanceMethod<&Poller::Close>("close")});
  }

  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
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
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    context_ = std::make_unique<Napi::AsyncContext>(env, "VmSocketPoller");
  }

  ~Poller() override { CloseHandle(); }

 private:
  static void OnClosed(uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); }

  static void OnEvent(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<Poller*>(handle->data);
    Napi::Env env = self->callback_.Env();
    Napi::HandleScope scope(env);
    napi_value args[] = {Napi::Number::New(env, status), Napi::Number::New(env, events)};
    CallFromEventLoop(env, *self->context_, self->callback_.Value(), 2, args);
  }

  void CloseHandle() {
    if (handle_ == nullptr) return;
    uv_poll_stop(handle_);
    handle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), OnClosed);
    handle_ = nullptr;
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

  uv_poll_t* handle_ = nullptr;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> context_;
};

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

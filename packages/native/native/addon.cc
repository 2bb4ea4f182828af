// Module entry: registers the platform's socket operations. Platforms without VM sockets still
// load the addon (so JS can report "not supported on <platform>" instead of failing to load).
#include "addon.h"

namespace vmrpc {

namespace {

bool ArgCheck(const Napi::CallbackInfo& info, const char* name, bool ok, const char* expected) {
  if (ok) return true;
  Napi::TypeError::New(info.Env(), std::string("argument '") + name + "' must be " + expected).ThrowAsJavaScriptException();
  return false;
}

}  // namespace

bool CallFromEventLoop(napi_env env, napi_async_context context, napi_value callback, size_t argc, const napi_value* argv) {
  napi_value global;
  napi_value ignored;
  napi_get_global(env, &global);
  napi_make_callback(env, context, global, callback, argc, argv, &ignored);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) return true;
  napi_value exception;
  napi_get_and_clear_last_exception(env, &exception);
  napi_fatal_exception(env, exception);
  return false;
}

bool ArgIsInt(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return ArgCheck(info, name, info.Length() > index && info[index].IsNumber(), "a number");
}

bool ArgIsBuffer(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return ArgCheck(info, name, info.Length() > index && info[index].IsBuffer(), "a Buffer");
}

bool ArgIsFunction(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return ArgCheck(info, name, info.Length() > index && info[index].IsFunction(), "a function");
}

bool ArgIsString(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return ArgCheck(info, name, info.Length() > index && info[index].IsString(), "a string");
}

}  // namespace vmrpc

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__linux__)
  exports.Set("platform", Napi::String::New(env, "linux"));
  vmrpc::RegisterSocketOps(env, exports);
  vmrpc::RegisterPoller(env, exports);
  vmrpc::RegisterVsockDevice(env, exports);
  vmrpc::RegisterSeqpacketSender(env, exports);
#elif defined(_WIN32)
  exports.Set("platform", Napi::String::New(env, "win32"));
  vmrpc::RegisterWinsockOps(env, exports);
  vmrpc::RegisterOverlappedOps(env, exports);
  vmrpc::RegisterRegistry(env, exports);
#else
  exports.Set("platform", Napi::String::New(env, "unsupported"));
#endif
  return exports;
}

NODE_API_MODULE(vmrpc_native, Init)

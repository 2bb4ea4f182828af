// Module entry: registers the platform's socket operations. Platforms without VM sockets still
// load the addon (so JS can report "not supported on <platform>" instead of failing to load).
#include "addon.h"

namespace vmrpc {

bool ArgIsInt(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() > index && info[index].IsNumber()) return true;
  Napi::TypeError::New(info.Env(), std::string("argument '") + name + "' must be a number")
      .ThrowAsJavaScriptException();
  return false;
}

bool ArgIsBuffer(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() > index && info[index].IsBuffer()) return true;
  Napi::TypeError::New(info.Env(), std::string("argument '") + name + "' must be a Buffer")
      .ThrowAsJavaScriptException();
  return false;
}

}  // namespace vmrpc

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
#if defined(__linux__)
  exports.Set("platform", Napi::String::New(env, "linux"));
  vmrpc::RegisterSocketOps(env, exports);
  vmrpc::RegisterPoller(env, exports);
  vmrpc::RegisterVsockDevice(env, exports);
  vmrpc::RegisterBlockingSend(env, exports);
#else
  // Windows (Hyper-V sockets) is not implemented yet: the addon loads and JS reports it.
  exports.Set("platform", Napi::String::New(env, "unsupported"));
#endif
  return exports;
}

NODE_API_MODULE(vmrpc_native, Init)

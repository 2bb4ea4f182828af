// Registry access under HKEY_LOCAL_MACHINE and the elevation check, for registering Hyper-V
// socket services (the key layout and all wording live in TS). Every function returns its
// result or a negated Win32 error; paths and values are UTF-8 in JS, UTF-16 for Windows.
#include <string>

#include "winsock.h"

namespace vmrpc {
namespace {

// 64-bit view even from a 32-bit process: the services key lives there.
constexpr REGSAM kView = KEY_WOW64_64KEY;

std::wstring Wide(const std::string& text) {
  if (text.empty()) return std::wstring();
  int length = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), length);
  return wide;
}

std::string Narrow(const wchar_t* text, size_t length) {
  if (length == 0) return std::string();
  int bytes = WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(length), nullptr, 0, nullptr, nullptr);
  std::string narrow(static_cast<size_t>(bytes), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(length), narrow.data(), bytes, nullptr, nullptr);
  return narrow;
}

std::wstring WideArg(const Napi::CallbackInfo& info, size_t index) {
  return Wide(info[index].As<Napi::String>().Utf8Value());
}

Napi::Value Error(Napi::Env env, LSTATUS status) { return Napi::Number::New(env, WinError(static_cast<DWORD>(status))); }

// regListKeys(path) -> the names of the subkeys of HKLM\path, or a negated error.
Napi::Value RegListKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgIsString(info, 0, "path")) return env.Undefined();
  HKEY key;
  LSTATUS status = RegOpenKeyExW(HKEY_LOCAL_MACHINE, WideArg(info, 0).c_str(), 0, KEY_ENUMERATE_SUB_KEYS | kView, &key);
  if (status != ERROR_SUCCESS) return Error(env, status);
  Napi::Array names = Napi::Array::New(env);
  wchar_t name[256];  // registry key names are at most 255 characters
  for (DWORD index = 0;; index++) {
    DWORD length = static_cast<DWORD>(sizeof(name) / sizeof(name[0]));
    status = RegEnumKeyExW(key, index, name, &length, nullptr, nullptr, nullptr, nullptr);
    if (status == ERROR_NO_MORE_ITEMS) break;
    if (status != ERROR_SUCCESS) {
      RegCloseKey(key);
      return Error(env, status);
    }
    names.Set(names.Length(), Napi::String::New(env, Narrow(name, length)));
  }
  RegCloseKey(key);
  return names;
}

// regGetString(path, valueName) -> the REG_SZ value, or a negated error.
Napi::Value RegGetString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgIsString(info, 0, "path") || !ArgIsString(info, 1, "valueName")) return env.Undefined();
  std::wstring path = WideArg(info, 0);
  std::wstring value_name = WideArg(info, 1);
  DWORD bytes = 0;
  // RRF_RT_REG_SZ rejects other types, and RegGetValueW terminates the string for us.
  LSTATUS status = RegGetValueW(HKEY_LOCAL_MACHINE, path.c_str(), value_name.c_str(), RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY,
                                nullptr, nullptr, &bytes);
  if (status != ERROR_SUCCESS) return Error(env, status);
  std::wstring value(bytes / sizeof(wchar_t) + 1, L'\0');
  bytes = static_cast<DWORD>(value.size() * sizeof(wchar_t));
  status = RegGetValueW(HKEY_LOCAL_MACHINE, path.c_str(), value_name.c_str(), RRF_RT_REG_SZ | RRF_SUBKEY_WOW6464KEY,
                        nullptr, value.data(), &bytes);
  if (status != ERROR_SUCCESS) return Error(env, status);
  return Napi::String::New(env, Narrow(value.c_str(), wcsnlen(value.c_str(), value.size())));
}

// regSetString(path, valueName, value) -> 0, creating HKLM\path when missing; or a negated error.
Napi::Value RegSetString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgIsString(info, 0, "path") || !ArgIsString(info, 1, "valueName") || !ArgIsString(info, 2, "value")) {
    return env.Undefined();
  }
  HKEY key;
  LSTATUS status = RegCreateKeyExW(HKEY_LOCAL_MACHINE, WideArg(info, 0).c_str(), 0, nullptr, REG_OPTION_NON_VOLATILE,
                                   KEY_SET_VALUE | kView, nullptr, &key, nullptr);
  if (status != ERROR_SUCCESS) return Error(env, status);
  std::wstring value = WideArg(info, 2);
  status = RegSetValueExW(key, WideArg(info, 1).c_str(), 0, REG_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                          static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t)));
  RegCloseKey(key);
  return status == ERROR_SUCCESS ? Napi::Number::New(env, 0) : Error(env, status);
}

// regDeleteKey(parentPath, name) -> 0 once HKLM\parentPath\name and its subtree are gone, or a
// negated error (ERROR_FILE_NOT_FOUND when there was no such key). The C++ name differs because
// windows.h defines RegDeleteKey as a macro.
Napi::Value DeleteKeyTree(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgIsString(info, 0, "parentPath") || !ArgIsString(info, 1, "name")) return env.Undefined();
  HKEY parent;
  LSTATUS status = RegOpenKeyExW(HKEY_LOCAL_MACHINE, WideArg(info, 0).c_str(), 0,
                                 DELETE | KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE | KEY_SET_VALUE | kView, &parent);
  if (status != ERROR_SUCCESS) return Error(env, status);
  status = RegDeleteTreeW(parent, WideArg(info, 1).c_str());
  RegCloseKey(parent);
  return status == ERROR_SUCCESS ? Napi::Number::New(env, 0) : Error(env, status);
}

// isElevated() -> true when this process runs with an administrator token (UAC elevated),
// false otherwise, or a negated error.
Napi::Value IsElevated(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  HANDLE token;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return Napi::Number::New(env, WinError(GetLastError()));
  TOKEN_ELEVATION elevation{};
  DWORD length = 0;
  BOOL ok = GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &length);
  DWORD error = ok ? 0 : GetLastError();
  CloseHandle(token);
  if (!ok) return Napi::Number::New(env, WinError(error));
  return Napi::Boolean::New(env, elevation.TokenIsElevated != 0);
}

}  // namespace

void RegisterRegistry(Napi::Env env, Napi::Object exports) {
  exports.Set("regListKeys", Napi::Function::New(env, RegListKeys, "regListKeys"));
  exports.Set("regGetString", Napi::Function::New(env, RegGetString, "regGetString"));
  exports.Set("regSetString", Napi::Function::New(env, RegSetString, "regSetString"));
  exports.Set("regDeleteKey", Napi::Function::New(env, DeleteKeyTree, "regDeleteKey"));
  exports.Set("isElevated", Napi::Function::New(env, IsElevated, "isElevated"));
}

}  // namespace vmrpc

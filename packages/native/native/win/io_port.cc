// The completion port of an environment and its one waiting thread (see io_port.h).
//
// Lifetime: the port lives as long as the environment. At teardown (a cleanup hook registered
// after the thread-safe function, so it runs before that function is torn down) the thread is
// stopped, I/O still in flight is cancelled, and its completions are awaited for a bounded time
// before the requests are freed: the kernel must be done with their memory first.
#include "io_port.h"

namespace vmrpc {

namespace {
// Completion key that tells the thread to stop; sockets are associated with key 0.
constexpr ULONG_PTR kStopKey = 1;
// How long teardown waits for cancelled I/O to come back.
constexpr DWORD kTeardownWaitMs = 2000;
}  // namespace

IoRequest::IoRequest(Napi::Env env, SOCKET socket, Napi::Function callback) : socket_(socket) {
  ZeroMemory(&slot_.overlapped, sizeof(slot_.overlapped));
  slot_.owner = this;
  callback_ = Napi::Persistent(callback);
  (void)env;
}

void IoRequest::Keep(Napi::Value value) { kept_.push_back(Napi::Reference<Napi::Value>::New(value, 1)); }

void IoRequest::Abandon() {
  callback_.SuppressDestruct();
  for (auto& reference : kept_) reference.SuppressDestruct();
}

IoPort* IoPort::From(Napi::Env env) {
  void* data = nullptr;
  if (napi_get_instance_data(env, &data) == napi_ok && data != nullptr) return static_cast<IoPort*>(data);
  auto* port = new IoPort(env);
  if (!port->Start()) {
    delete port;
    return nullptr;
  }
  napi_set_instance_data(env, port, nullptr, nullptr);
  return port;
}

IoPort::IoPort(Napi::Env env) : env_(env) {}

IoPort::~IoPort() {
  if (port_ != nullptr) CloseHandle(port_);
  if (thread_ != nullptr) CloseHandle(thread_);
}

bool IoPort::Start() {
  port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (port_ == nullptr) return false;
  napi_value name;
  napi_create_string_utf8(env_, "vmrpc:overlapped-io", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env_, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, CallJs, &tsfn_) !=
      napi_ok) {
    return false;
  }
  // Idle sockets must not keep the process alive: JS takes refs while work is pending.
  napi_unref_threadsafe_function(env_, tsfn_);
  napi_async_init(env_, nullptr, name, &async_context_);
  thread_ = CreateThread(nullptr, 0, ThreadMain, this, 0, nullptr);
  if (thread_ == nullptr) {
    napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    return false;
  }
  napi_add_env_cleanup_hook(env_, Cleanup, this);
  return true;
}

DWORD IoPort::Associate(SOCKET socket) {
  HANDLE handle = reinterpret_cast<HANDLE>(socket);
  return CreateIoCompletionPort(handle, port_, 0, 0) == nullptr ? GetLastError() : 0;
}

void IoPort::Ref() {
  if (refs_++ == 0) napi_ref_threadsafe_function(env_, tsfn_);
}

void IoPort::Unref() {
  if (refs_ > 0 && --refs_ == 0) napi_unref_threadsafe_function(env_, tsfn_);
}

// GetQueuedCompletionStatus (not the Ex form) because it reports each failed operation's
// Win32 error through GetLastError, without decoding NTSTATUS values ourselves.
DWORD WINAPI IoPort::ThreadMain(LPVOID self) {
  auto* port = static_cast<IoPort*>(self);
  for (;;) {
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED* overlapped = nullptr;
    BOOL ok = GetQueuedCompletionStatus(port->port_, &bytes, &key, &overlapped, INFINITE);
    DWORD error = ok ? 0 : GetLastError();
    if (key == kStopKey || overlapped == nullptr) return 0;
    IoRequest* request = reinterpret_cast<OverlappedSlot*>(overlapped)->owner;
    request->Finish(bytes, error);
    AcquireSRWLockExclusive(&port->lock_);
    bool wake = port->completed_.empty();
    port->completed_.push_back(request);
    ReleaseSRWLockExclusive(&port->lock_);
    // One wake-up per batch: the JS side drains everything queued so far.
    if (wake) napi_call_threadsafe_function(port->tsfn_, nullptr, napi_tsfn_nonblocking);
  }
}

void IoPort::CallJs(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;
  static_cast<IoPort*>(context)->DeliverCompleted(Napi::Env(env));
}

void IoPort::DeliverCompleted(Napi::Env env) {
  std::vector<IoRequest*> batch;
  AcquireSRWLockExclusive(&lock_);
  batch.swap(completed_);
  ReleaseSRWLockExclusive(&lock_);
  for (IoRequest* request : batch) {
    outstanding_.erase(request);
    Napi::HandleScope scope(env);
    std::vector<napi_value> args = request->Results(env);
    napi_value callback = request->callback().Value();
    delete request;
    CallFromEventLoop(env, async_context_, callback, args.size(), args.data());
  }
}

void IoPort::Cleanup(void* self) {
  auto* port = static_cast<IoPort*>(self);
  port->Shutdown();
  delete port;
}

void IoPort::Shutdown() {
  PostQueuedCompletionStatus(port_, 0, kStopKey, nullptr);
  WaitForSingleObject(thread_, INFINITE);
  for (IoRequest* request : completed_) outstanding_.erase(request);
  for (IoRequest* request : completed_) {
    request->Abandon();
    delete request;
  }
  completed_.clear();
  for (IoRequest* request : outstanding_) CancelIoEx(reinterpret_cast<HANDLE>(request->socket()), request->overlapped());
  ULONGLONG deadline = GetTickCount64() + kTeardownWaitMs;
  while (!outstanding_.empty()) {
    ULONGLONG now = GetTickCount64();
    if (now >= deadline) break;
    DWORD bytes = 0;
    ULONG_PTR key = 0;
    OVERLAPPED* overlapped = nullptr;
    GetQueuedCompletionStatus(port_, &bytes, &key, &overlapped, static_cast<DWORD>(deadline - now));
    if (overlapped == nullptr) continue;
    IoRequest* request = reinterpret_cast<OverlappedSlot*>(overlapped)->owner;
    outstanding_.erase(request);
    request->Abandon();
    delete request;
  }
  // Whatever is still in flight keeps its memory: freeing it under the kernel would be worse.
  outstanding_.clear();
}

}  // namespace vmrpc

// IoPort: one I/O completion port per Node environment, drained by one thread that hands each
// finished operation to the JS thread through a thread-safe function. Sockets need no thread
// each, and JS sees every completion exactly once, on its own thread.
#pragma once

#include <unordered_set>
#include <vector>

#include "winsock.h"

namespace vmrpc {

class IoRequest;

// Standard-layout wrapper, so the OVERLAPPED* the port returns leads back to its request.
struct OverlappedSlot {
  OVERLAPPED overlapped;
  IoRequest* owner;
};

// One overlapped operation in flight. Subclasses keep what the kernel reads or writes alive
// until the completion arrives, and turn the outcome into the JS callback's arguments.
class IoRequest {
 public:
  IoRequest(Napi::Env env, SOCKET socket, Napi::Function callback);
  virtual ~IoRequest() = default;
  IoRequest(const IoRequest&) = delete;
  IoRequest& operator=(const IoRequest&) = delete;

  OVERLAPPED* overlapped() { return &slot_.overlapped; }
  SOCKET socket() const { return socket_; }

  // Keeps a JS value (a Buffer the kernel uses) alive until the request is gone.
  void Keep(Napi::Value value);

  // Called by the completion thread: bytes moved and the Win32 error (0 on success).
  void Finish(DWORD bytes, DWORD error) {
    bytes_ = bytes;
    error_ = error;
  }

  // On the JS thread: the arguments of the callback.
  virtual std::vector<napi_value> Results(Napi::Env env) = 0;

  Napi::FunctionReference& callback() { return callback_; }

  // At environment teardown the references die with the environment: do not delete them twice.
  void Abandon();

 protected:
  DWORD bytes_ = 0;
  DWORD error_ = 0;

 private:
  OverlappedSlot slot_;
  SOCKET socket_;
  Napi::FunctionReference callback_;
  std::vector<Napi::Reference<Napi::Value>> kept_;
};

class IoPort {
 public:
  // The port of this environment, created on first use.
  static IoPort* From(Napi::Env env);

  // Joins a socket to the port; 0 or a Win32 error.
  DWORD Associate(SOCKET socket);

  // Call when an overlapped call returned success or WSA_IO_PENDING: a completion will follow.
  void Track(IoRequest* request) { outstanding_.insert(request); }

  // Keeps the event loop alive while positive (sockets and servers with work pending).
  void Ref();
  void Unref();

 private:
  explicit IoPort(Napi::Env env);
  ~IoPort();
  bool Start();
  static DWORD WINAPI ThreadMain(LPVOID self);
  static void CallJs(napi_env env, napi_value, void* context, void*);
  static void Cleanup(void* self);
  void DeliverCompleted(Napi::Env env);
  void Shutdown();

  napi_env env_;
  HANDLE port_ = nullptr;
  HANDLE thread_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  napi_async_context async_context_ = nullptr;
  SRWLOCK lock_ = SRWLOCK_INIT;
  std::vector<IoRequest*> completed_;          // guarded by lock_
  std::unordered_set<IoRequest*> outstanding_;  // JS thread only
  int refs_ = 0;
};

}  // namespace vmrpc

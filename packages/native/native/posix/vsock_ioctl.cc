// The local CID: IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock. This asks the local vsock
// driver only; nothing is sent to any peer or hypervisor.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../addon.h"

namespace vmrpc {
namespace {

constexpr unsigned long kIoctlGetLocalCid = 0x7b9;  // IOCTL_VM_SOCKETS_GET_LOCAL_CID

// localCid(devicePath = "/dev/vsock") -> the CID (a u32), or a negative code.
Napi::Value LocalCid(const Napi::CallbackInfo& info) {
  std::string path = "/dev/vsock";
  if (info.Length() > 0 && info[0].IsString()) path = info[0].As<Napi::String>().Utf8Value();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Napi::Number::New(info.Env(), -errno);
  uint32_t cid = 0;
  int rc = ioctl(fd, kIoctlGetLocalCid, &cid);
  int error = errno;
  close(fd);
  if (rc < 0) return Napi::Number::New(info.Env(), -error);
  return Napi::Number::New(info.Env(), static_cast<double>(cid));
}

}  // namespace

void RegisterVsockDevice(Napi::Env env, Napi::Object exports) {
  exports.Set("localCid", Napi::Function::New(env, LocalCid, "localCid"));
}

}  // namespace vmrpc

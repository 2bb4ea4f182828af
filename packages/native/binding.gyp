{
  "targets": [
    {
      "target_name": "vmrpc_native",
      "sources": ["native/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror"],
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/posix/socket_ops.cc", "native/posix/poller.cc", "native/posix/vsock_ioctl.cc", "native/posix/blocking_send.cc"]
        }]
      ]
    }
  ]
}

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
          "sources": ["native/posix/socket_ops.cc", "native/posix/poller.cc", "native/posix/vsock_ioctl.cc", "native/posix/seqpacket_sender.cc"]
        }],
        ["OS=='win'", {
          "sources": ["native/win/socket_ops.cc", "native/win/io_port.cc", "native/win/overlapped_ops.cc", "native/win/registry.cc"],
          "defines": ["_WIN32_WINNT=0x0A00"],
          "libraries": ["ws2_32.lib", "advapi32.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/W3", "/WX"] }
          }
        }]
      ]
    }
  ]
}

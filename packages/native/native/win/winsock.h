// Shared pieces of the Windows sources: Winsock headers in the right order, the Hyper-V socket
// definitions (hvsocket.h is missing from some SDKs and from MinGW), and argument helpers.
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// winsock2.h must come before windows.h, or windows.h pulls in the old winsock.h.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include "../addon.h"

namespace vmrpc {

// From hvsocket.h: the address family, its only protocol, and the options at level HV_PROTOCOL_RAW.
constexpr int kAfHyperV = 34;
constexpr int kHvProtocolRaw = 1;
constexpr int kHvsocketConnectTimeout = 1;
constexpr int kHvsocketContainerPassthru = 2;
constexpr int kHvsocketConnectedSuspend = 4;
constexpr int kHvsocketHighVtl = 8;

// SOCKADDR_HV is 36 bytes; JS encodes it. Buffers sized for any address Winsock may return.
constexpr int kMaxSockaddr = static_cast<int>(sizeof(SOCKADDR_STORAGE));

// Failures travel to JS as the negated Winsock / Win32 error; TS maps them to Node's names.
inline double WinError(DWORD code) { return -static_cast<double>(code); }
inline double LastSocketError() { return WinError(static_cast<DWORD>(WSAGetLastError())); }

// Reads a SOCKET handle passed from JS as a number (handles are small integers in practice).
bool ArgIsSocket(const Napi::CallbackInfo& info, size_t index, const char* name, SOCKET* out);

// WSAStartup once per process; returns 0 or a Winsock error code.
int EnsureWinsock();

}  // namespace vmrpc

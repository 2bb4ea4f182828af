"""The Python peer of the raw-socket benchmark: socket.AF_VSOCK with blocking calls.

Same command line as raw-peer.c:
  raw-peer.py serve ADDR stream BYTES | serve ADDR pong | client ADDR stream BYTES | client ADDR ping COUNT
ADDR is vsock:PORT (CID 1, loopback) or unix:PATH.
"""
import os
import socket
import sys
import time

CHUNK = 64 * 1024


def family_and_address(addr):
    if addr.startswith("vsock:"):
        # VMADDR_CID_LOCAL (1) has no name in Python 3.11.
        return socket.AF_VSOCK, (1, int(addr[6:]))
    if addr.startswith("unix:"):
        return socket.AF_UNIX, addr[5:]
    sys.exit(f"raw-peer.py: ADDR must be vsock:PORT or unix:PATH, not {addr}")


def serve(addr):
    family, address = family_and_address(addr)
    listener = socket.socket(family, socket.SOCK_STREAM)
    if family == socket.AF_UNIX and os.path.exists(address):
        os.unlink(address)
    listener.bind(address)
    listener.listen(1)
    print("ready", flush=True)
    conn, _ = listener.accept()
    listener.close()
    return conn


def dial(addr):
    family, address = family_and_address(addr)
    conn = socket.socket(family, socket.SOCK_STREAM)
    conn.connect(address)
    return conn


def main():
    role, addr, mode = sys.argv[1:4]
    amount = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    conn = serve(addr) if role == "serve" else dial(addr)
    if role == "serve" and mode == "stream":
        chunk = b"\1" * CHUNK
        for _ in range(0, amount, CHUNK):
            conn.sendall(chunk)
    elif role == "serve" and mode == "pong":
        while True:
            byte = conn.recv(1)
            if not byte:
                break
            conn.sendall(byte)
    elif mode == "stream":
        buffer = bytearray(CHUNK)
        received = 0
        started = time.perf_counter()
        while True:
            n = conn.recv_into(buffer)
            if n == 0:
                break
            received += n
        if received != amount:
            sys.exit(f"raw-peer.py: received {received} bytes, expected {amount}")
        print(f"mibps {received / 1048576 / (time.perf_counter() - started):.3f}")
    elif mode == "ping":
        latencies = []
        for _ in range(amount):
            started = time.perf_counter()
            conn.sendall(b"x")
            if len(conn.recv(1)) != 1:
                sys.exit("raw-peer.py: the peer closed during ping-pong")
            latencies.append(f"{(time.perf_counter() - started) * 1e6:.1f}")
        print("us " + " ".join(latencies))
    else:
        sys.exit(f"raw-peer.py: unknown mode {mode}")
    conn.close()


main()

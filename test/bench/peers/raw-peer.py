"""The Python peer of the raw-socket benchmark: socket.AF_VSOCK with blocking calls.

Same command line as raw-peer.c:
  raw-peer.py serve ADDR BYTES          first connection: BYTES in 64 KiB writes; second: pong
  raw-peer.py client ADDR BYTES COUNT   read the stream, then COUNT 1-byte round trips
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


def listen_on(addr):
    family, address = family_and_address(addr)
    listener = socket.socket(family, socket.SOCK_STREAM)
    if family == socket.AF_UNIX and os.path.exists(address):
        os.unlink(address)
    listener.bind(address)
    listener.listen(1)
    print("ready", flush=True)
    return listener


def dial(addr):
    family, address = family_and_address(addr)
    conn = socket.socket(family, socket.SOCK_STREAM)
    conn.connect(address)
    return conn


def stream_out(conn, amount):
    chunk = b"\1" * CHUNK
    for _ in range(0, amount, CHUNK):
        conn.sendall(chunk)
    conn.close()


def pong(conn):
    while True:
        byte = conn.recv(1)
        if not byte:
            break
        conn.sendall(byte)
    conn.close()


def stream_in(conn, amount):
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
    conn.close()


def ping(conn, count):
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        conn.sendall(b"x")
        if len(conn.recv(1)) != 1:
            sys.exit("raw-peer.py: the peer closed during ping-pong")
        latencies.append(f"{(time.perf_counter() - started) * 1e6:.1f}")
    print("us " + " ".join(latencies))
    conn.close()


def main():
    role, addr, amount = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if role == "serve":
        listener = listen_on(addr)
        stream_out(listener.accept()[0], amount)
        pong(listener.accept()[0])
        listener.close()
    else:
        stream_in(dial(addr), amount)
        ping(dial(addr), int(sys.argv[4]))


main()

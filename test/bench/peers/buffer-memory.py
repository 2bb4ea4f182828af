#!/usr/bin/env python3
"""Kernel memory of vsock loopback connections by buffer size (docs/benchmarks.md, "The vsock
buffer"): for the kernel's default and for 4 MiB, 100 connected pairs idle, then with each
sender's bytes left unread (sent until send() says EAGAIN), from /proc/meminfo. Runs only inside
a harness guest (vsock loopback, CID 1):
  node test/.build/vm/run-command.js -- python3 test/bench/peers/buffer-memory.py
"""
import socket

PAIRS = 100
PORT = 9700


def meminfo(field):
    with open('/proc/meminfo') as lines:
        for line in lines:
            if line.startswith(field + ':'):
                return int(line.split()[1])  # KiB
    raise RuntimeError(f'/proc/meminfo has no {field}')


def set_buffer(sock, size):
    if size:
        # The maximum first: the kernel clamps the size to it.
        sock.setsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE, size)
        sock.setsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE, size)


def measure(size, port):
    server = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    set_buffer(server, size)
    server.bind((socket.VMADDR_CID_ANY, port))
    server.listen(PAIRS)
    avail0, slab0 = meminfo('MemAvailable'), meminfo('Slab')
    pairs = []
    for _ in range(PAIRS):
        client = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        set_buffer(client, size)
        client.connect((1, port))
        pairs.append((client, server.accept()[0]))
    avail1, slab1 = meminfo('MemAvailable'), meminfo('Slab')
    sent = 0
    for client, _ in pairs:
        client.setblocking(False)
        try:
            while True:
                sent += client.send(b'\0' * 65536)
        except BlockingIOError:
            pass
    avail2, slab2 = meminfo('MemAvailable'), meminfo('Slab')
    print(f"buffer {size or 'default'}: {PAIRS} idle connections: MemAvailable -{(avail0 - avail1) / PAIRS:.1f} KiB, "
          f"Slab +{(slab1 - slab0) / PAIRS:.1f} KiB each; unread {sent / PAIRS / 1024:.0f} KiB queued per connection: "
          f"MemAvailable -{(avail1 - avail2) / PAIRS:.0f} KiB, Slab +{(slab2 - slab1) / PAIRS:.0f} KiB each", flush=True)
    for client, accepted in pairs:
        client.close()
        accepted.close()
    server.close()


for k, size in enumerate([0, 4 << 20, 0, 4 << 20]):
    measure(size, PORT + k)

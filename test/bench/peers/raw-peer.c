/*
 * The C peer of the raw-socket benchmark: plain blocking read()/write() on AF_VSOCK (or AF_UNIX
 * for a dry run on a machine without vsock loopback). Built at bench time with the system
 * compiler: cc -O2 -o raw-peer raw-peer.c
 *
 *   raw-peer serve ADDR BYTES         on the first connection write BYTES in 64 KiB writes and
 *                                     close; on the second answer every byte with one byte
 *   raw-peer client ADDR BYTES COUNT  read the first connection until EOF (prints "mibps <n>"),
 *                                     then COUNT 1-byte round trips on a second one (prints
 *                                     "us <n> <n> ...": each round trip's microseconds)
 *
 * ADDR is vsock:PORT (CID 1, loopback) or unix:PATH. A server prints "ready" once listening.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define CHUNK (64 * 1024)

static void die(const char *what) {
  fprintf(stderr, "raw-peer: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* Fills the address for ADDR; returns its length and the family through *family. */
static socklen_t address_of(const char *addr, struct sockaddr_storage *out, int *family) {
  memset(out, 0, sizeof *out);
  if (strncmp(addr, "vsock:", 6) == 0) {
    struct sockaddr_vm *vm = (struct sockaddr_vm *)out;
    vm->svm_family = AF_VSOCK;
    vm->svm_cid = VMADDR_CID_LOCAL;
    vm->svm_port = (unsigned)strtoul(addr + 6, NULL, 10);
    *family = AF_VSOCK;
    return sizeof *vm;
  }
  if (strncmp(addr, "unix:", 5) == 0) {
    struct sockaddr_un *un = (struct sockaddr_un *)out;
    un->sun_family = AF_UNIX;
    snprintf(un->sun_path, sizeof un->sun_path, "%s", addr + 5);
    *family = AF_UNIX;
    return sizeof *un;
  }
  fprintf(stderr, "raw-peer: ADDR must be vsock:PORT or unix:PATH, not %s\n", addr);
  exit(2);
}

static void write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("write");
    data += n;
    length -= (size_t)n;
  }
}

static int listen_on(const char *addr) {
  struct sockaddr_storage sa;
  int family;
  socklen_t length = address_of(addr, &sa, &family);
  int listener = socket(family, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  if (family == AF_UNIX) unlink(((struct sockaddr_un *)&sa)->sun_path);
  if (bind(listener, (struct sockaddr *)&sa, length) < 0) die("bind");
  if (listen(listener, 1) < 0) die("listen");
  printf("ready\n");
  fflush(stdout);
  return listener;
}

static int accept_one(int listener) {
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) die("accept");
  return fd;
}

static int dial(const char *addr) {
  struct sockaddr_storage sa;
  int family;
  socklen_t length = address_of(addr, &sa, &family);
  int fd = socket(family, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (connect(fd, (struct sockaddr *)&sa, length) < 0) die("connect");
  return fd;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char buffer[CHUNK];

static void stream_out(int fd, unsigned long long bytes) {
  memset(buffer, 1, sizeof buffer);
  for (unsigned long long sent = 0; sent < bytes; sent += CHUNK) write_all(fd, buffer, CHUNK);
  close(fd);
}

static void pong(int fd) {
  for (;;) {
    ssize_t n = read(fd, buffer, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) break;
    write_all(fd, buffer, 1);
  }
  close(fd);
}

static void stream_in(int fd, unsigned long long bytes) {
  unsigned long long received = 0;
  double started = now_us();
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) break;
    received += (unsigned long long)n;
  }
  if (received != bytes) {
    fprintf(stderr, "raw-peer: received %llu bytes, expected %llu\n", received, bytes);
    exit(1);
  }
  printf("mibps %.3f\n", received / 1048576.0 / ((now_us() - started) / 1e6));
  close(fd);
}

static void ping(int fd, unsigned long long count) {
  printf("us");
  for (unsigned long long i = 0; i < count; i++) {
    double started = now_us();
    write_all(fd, "x", 1);
    ssize_t n;
    do n = read(fd, buffer, 1); while (n < 0 && errno == EINTR);
    if (n != 1) die("read (pong)");
    printf(" %.1f", now_us() - started);
  }
  printf("\n");
  close(fd);
}

int main(int argc, char **argv) {
  if (argc < 4 || (strcmp(argv[1], "client") == 0 && argc < 5)) {
    fprintf(stderr, "usage: raw-peer serve ADDR BYTES | raw-peer client ADDR BYTES COUNT\n");
    return 2;
  }
  unsigned long long bytes = strtoull(argv[3], NULL, 10);
  if (strcmp(argv[1], "serve") == 0) {
    int listener = listen_on(argv[2]);
    stream_out(accept_one(listener), bytes);
    pong(accept_one(listener));
    close(listener);
  } else {
    stream_in(dial(argv[2]), bytes);
    ping(dial(argv[2]), strtoull(argv[4], NULL, 10));
  }
  return 0;
}

/**
 * A simulated Windows addon: Hyper-V stream sockets in memory with the completion semantics of
 * native/win (every overlapped call completes later, exactly once, on the JS thread; closing a
 * socket completes its pending calls with -995). It lets the Windows TS paths (dial, listener,
 * overlapped Duplex, registry) run on Linux. It is a model, not Windows: the real thing runs in
 * the *.hvsock.test.ts suites on a Windows machine.
 */
import { randomUUID } from 'node:crypto';
import type { Win32Binding } from '@vmrpc/native/testing';
import { decodeSockaddr, encodeHvsock } from '@vmrpc/native/testing';

const ERROR_FILE_NOT_FOUND = 2;
const ERROR_NETNAME_DELETED = 64;
const ERROR_OPERATION_ABORTED = 995;
const ERROR_CONNECTION_REFUSED = 1225;
const WSAEINVAL = 10022;
const WSAENOTSOCK = 10038;
const WSAEAFNOSUPPORT = 10047;
const WSAEADDRINUSE = 10048;
const WSAENOTCONN = 10057;
/** Bytes a receiver buffers before senders wait: small, so backpressure shows quickly. */
const INBOX_LIMIT = 256 * 1024;

type Completion = (result: number, remote?: Buffer) => void;

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  done: Completion;
}

interface PendingSend {
  data: Buffer;
  done: Completion;
}

interface SimSocket {
  handle: number;
  bound?: { vmId: string; serviceId: string };
  listening?: boolean;
  peer?: SimSocket;
  inbox: Buffer[];
  inboxBytes: number;
  /** The peer shut its sending side or closed: reads end after the inbox. */
  eof: boolean;
  /** The peer closed: sends fail. */
  peerClosed: boolean;
  reads: PendingRead[];
  sends: PendingSend[];
  accepts: Array<{ socket: SimSocket; done: Completion }>;
  /** A connect that waits for a listener that never comes (connectsHang). */
  hangingConnect?: Completion;
  backlog: SimSocket[];
  options: Map<number, number>;
  closed: boolean;
}

export class SimulatedHvsockAddon implements Win32Binding {
  readonly platform = 'win32' as const;
  /** Keep-alive refs JS holds right now (ioRef minus ioUnref). */
  refs = 0;
  /** Every setsockopt, in order: [handle, level, name, value]. */
  readonly optionLog: Array<[number, number, number, number]> = [];
  /** Registry: HKLM paths (lowercase) to their REG_SZ values. */
  readonly registry = new Map<string, Map<string, string>>();
  elevated = true;
  /** When set, connects wait this long before they complete (a slow or absent peer). */
  connectDelayMs = 0;
  /** Option names setsockopt refuses with WSAEINVAL (a Windows build without the option). */
  readonly refusedOptions = new Set<number>();
  /** When true, connects to absent listeners never complete on their own (as raw hvsock connects can). */
  connectsHang = false;
  readonly constants = {
    AF_HYPERV: 34,
    HV_PROTOCOL_RAW: 1,
    SOCK_STREAM: 1,
    SOL_SOCKET: 0xffff,
    SO_SNDBUF: 0x1001,
    SO_RCVBUF: 0x1002,
    SD_RECEIVE: 0,
    SD_SEND: 1,
    SD_BOTH: 2,
    HVSOCKET_CONNECT_TIMEOUT: 1,
    HVSOCKET_CONTAINER_PASSTHRU: 2,
    HVSOCKET_CONNECTED_SUSPEND: 4,
    HVSOCKET_HIGH_VTL: 8,
  };
  private nextHandle = 0x100;
  private readonly sockets = new Map<number, SimSocket>();
  private readonly listeners = new Map<string, SimSocket>();

  /** Sockets still open (a leak check). */
  get openSockets(): number {
    return this.sockets.size;
  }

  socket(domain: number, type: number, protocol: number): number {
    if (domain !== 34 || type !== 1 || protocol !== 1) return -WSAEAFNOSUPPORT;
    const handle = (this.nextHandle += 4);
    this.sockets.set(handle, {
      handle,
      inbox: [],
      inboxBytes: 0,
      eof: false,
      peerClosed: false,
      reads: [],
      sends: [],
      accepts: [],
      backlog: [],
      options: new Map(),
      closed: false,
    });
    return handle;
  }

  bind(handle: number, address: Buffer): number {
    const socket = this.sockets.get(handle);
    const decoded = decodeSockaddr(address);
    if (socket === undefined) return -WSAENOTSOCK;
    if (decoded?.family !== 'hvsock' || socket.bound !== undefined) return -WSAEINVAL;
    socket.bound = { vmId: decoded.vmId, serviceId: decoded.serviceId };
    return 0;
  }

  listen(handle: number): number {
    const socket = this.sockets.get(handle);
    if (socket?.bound === undefined) return -WSAEINVAL;
    const key = socket.bound.serviceId;
    if (this.listeners.has(key)) return -WSAEADDRINUSE;
    this.listeners.set(key, socket);
    socket.listening = true;
    return 0;
  }

  getsockname(handle: number): Buffer | number {
    const socket = this.sockets.get(handle);
    return socket?.bound === undefined ? -WSAEINVAL : encodeHvsock(socket.bound);
  }

  getpeername(handle: number): Buffer | number {
    const peer = this.sockets.get(handle)?.peer;
    return peer?.bound === undefined ? -WSAENOTCONN : encodeHvsock(peer.bound);
  }

  getsockopt(): number {
    return -WSAEINVAL;
  }

  setsockopt(handle: number, level: number, name: number, value: Buffer): number {
    const socket = this.sockets.get(handle);
    if (socket === undefined) return -WSAENOTSOCK;
    if (value.length !== 4 || this.refusedOptions.has(name)) return -WSAEINVAL;
    this.optionLog.push([handle, level, name, value.readUInt32LE(0)]);
    socket.options.set(name, value.readUInt32LE(0));
    return 0;
  }

  shutdown(handle: number, how: number): number {
    const socket = this.sockets.get(handle);
    if (socket === undefined) return -WSAENOTSOCK;
    if (socket.peer === undefined) return -WSAENOTCONN;
    const peer = socket.peer;
    if (how === this.constants.SD_SEND && !peer.closed) {
      peer.eof = true;
      setImmediate(() => this.pump(peer));
    }
    return 0;
  }

  close(handle: number): number {
    const socket = this.sockets.get(handle);
    if (socket === undefined) return -WSAENOTSOCK;
    this.sockets.delete(handle);
    socket.closed = true;
    if (socket.listening && this.listeners.get(socket.bound!.serviceId) === socket) this.listeners.delete(socket.bound!.serviceId);
    for (const op of [...socket.reads, ...socket.sends, ...socket.accepts]) this.later(op.done, -ERROR_OPERATION_ABORTED);
    if (socket.hangingConnect !== undefined) this.later(socket.hangingConnect, -ERROR_OPERATION_ABORTED);
    socket.reads = [];
    socket.sends = [];
    socket.accepts = [];
    for (const waiting of socket.backlog) this.close(waiting.handle);
    const peer = socket.peer;
    if (peer !== undefined && !peer.closed) {
      peer.eof = true;
      peer.peerClosed = true;
      for (const send of peer.sends) this.later(send.done, -ERROR_NETNAME_DELETED);
      peer.sends = [];
      setImmediate(() => this.pump(peer));
    }
    return 0;
  }

  connect(handle: number, address: Buffer, callback: (result: number) => void): number {
    const socket = this.sockets.get(handle);
    const target = decodeSockaddr(address);
    if (socket === undefined) return -WSAENOTSOCK;
    if (socket.bound === undefined || target?.family !== 'hvsock') return -WSAEINVAL;
    // The provider gives the client its own service id, as Windows does.
    socket.bound = { vmId: target.vmId, serviceId: randomUUID() };
    const attempt = (): void => {
      if (socket.closed) return callback(-ERROR_OPERATION_ABORTED);
      const listener = this.listeners.get(target.serviceId);
      if (listener === undefined) {
        if (this.connectsHang) return void (socket.hangingConnect = callback);
        return callback(-ERROR_CONNECTION_REFUSED);
      }
      const server = this.sockets.get(this.socket(34, 1, 1))!;
      server.bound = listener.bound;
      server.peer = socket;
      socket.peer = server;
      listener.backlog.push(server);
      this.matchAccepts(listener);
      callback(0);
    };
    if (this.connectDelayMs > 0) setTimeout(attempt, this.connectDelayMs);
    else setImmediate(attempt);
    return 0;
  }

  accept(listenerHandle: number, acceptHandle: number, callback: (result: number, remote?: Buffer) => void): number {
    const listener = this.sockets.get(listenerHandle);
    const acceptSocket = this.sockets.get(acceptHandle);
    if (listener?.listening !== true || acceptSocket === undefined) return -WSAEINVAL;
    listener.accepts.push({ socket: acceptSocket, done: callback });
    setImmediate(() => this.matchAccepts(listener));
    return 0;
  }

  recv(handle: number, buffer: Buffer, offset: number, length: number, callback: (result: number) => void): number {
    const socket = this.sockets.get(handle);
    if (socket === undefined) return -WSAENOTSOCK;
    socket.reads.push({ buffer, offset, length, done: callback });
    setImmediate(() => this.pump(socket));
    return 0;
  }

  send(handle: number, buffers: readonly Buffer[], callback: (result: number) => void): number {
    const socket = this.sockets.get(handle);
    if (socket === undefined) return -WSAENOTSOCK;
    if (socket.peer === undefined) return -WSAENOTCONN;
    if (socket.peerClosed) {
      this.later(callback, -ERROR_NETNAME_DELETED);
      return 0;
    }
    // The kernel owns a copy once the send completes; until then the caller's bytes are used.
    socket.sends.push({ data: Buffer.concat(buffers), done: callback });
    setImmediate(() => this.pump(socket.peer!));
    return 0;
  }

  ioRef(): void {
    this.refs++;
  }

  ioUnref(): void {
    if (this.refs === 0) throw new Error('ioUnref() without ioRef()');
    this.refs--;
  }

  regListKeys(path: string): string[] | number {
    const prefix = `${path.toLowerCase()}\\`;
    const names = [...this.registry.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    return names.length === 0 && !this.registry.has(path.toLowerCase()) ? -ERROR_FILE_NOT_FOUND : names;
  }

  regGetString(path: string, valueName: string): string | number {
    return this.registry.get(path.toLowerCase())?.get(valueName) ?? -ERROR_FILE_NOT_FOUND;
  }

  regSetString(path: string, valueName: string, value: string): number {
    if (!this.elevated) return -5;
    const key = path.toLowerCase();
    if (!this.registry.has(key)) this.registry.set(key, new Map());
    this.registry.get(key)!.set(valueName, value);
    return 0;
  }

  regDeleteKey(parentPath: string, name: string): number {
    if (!this.elevated) return -5;
    return this.registry.delete(`${parentPath}\\${name}`.toLowerCase()) ? 0 : -ERROR_FILE_NOT_FOUND;
  }

  isElevated(): boolean {
    return this.elevated;
  }

  private matchAccepts(listener: SimSocket): void {
    while (listener.accepts.length > 0 && listener.backlog.length > 0) {
      const { socket: acceptSocket, done } = listener.accepts.shift()!;
      const server = listener.backlog.shift()!;
      // The accepted connection moves into the caller's socket, as AcceptEx does.
      this.sockets.delete(server.handle);
      Object.assign(acceptSocket, { bound: server.bound, peer: server.peer });
      server.peer!.peer = acceptSocket;
      const client = server.peer!;
      done(0, encodeHvsock(client.bound!));
    }
  }

  /** Moves bytes from the peer's pending sends into `socket`'s inbox and completes reads. */
  private pump(socket: SimSocket): void {
    if (socket.closed) return;
    const sender = socket.peer;
    while (sender !== undefined && !sender.closed && sender.sends.length > 0 && socket.inboxBytes < INBOX_LIMIT) {
      const send = sender.sends.shift()!;
      socket.inbox.push(Buffer.from(send.data));
      socket.inboxBytes += send.data.length;
      send.done(send.data.length);
    }
    while (socket.reads.length > 0 && (socket.inboxBytes > 0 || socket.eof)) {
      const read = socket.reads.shift()!;
      if (socket.inboxBytes === 0) {
        read.done(0);
        continue;
      }
      let copied = 0;
      while (copied < read.length && socket.inbox.length > 0) {
        const first = socket.inbox[0]!;
        const n = first.copy(read.buffer, read.offset + copied, 0, Math.min(first.length, read.length - copied));
        copied += n;
        if (n === first.length) socket.inbox.shift();
        else socket.inbox[0] = first.subarray(n);
      }
      socket.inboxBytes -= copied;
      read.done(copied);
    }
    // Room again: let waiting senders in.
    if (sender !== undefined && sender.sends.length > 0 && socket.inboxBytes < INBOX_LIMIT) setImmediate(() => this.pump(socket));
  }

  private later(done: Completion, result: number): void {
    setImmediate(() => done(result));
  }
}

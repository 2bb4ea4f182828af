/**
 * A client of QEMU's guest agent (qemu-ga): QMP-style JSON, one request and one reply per line,
 * answered in order. Over any Duplex (the bench uses @vmrpc/native's socket, as our host does).
 */
import type { Duplex } from 'node:stream';

interface Reply {
  return?: unknown;
  error?: { class: string; desc: string };
}

export class QgaClient {
  private buffered = '';
  private readonly waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];

  constructor(private readonly socket: Duplex) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffered += text;
      for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, end).trim();
        this.buffered = this.buffered.slice(end + 1);
        if (line !== '') this.waiting.shift()?.resolve(JSON.parse(line) as Reply);
      }
    });
    const fail = (error: Error): void => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('qemu-ga closed the connection')));
  }

  close(): void {
    this.socket.destroy();
  }

  /** Runs one command; resolves with its `return` value, rejects with qemu-ga's error. */
  execute<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(`${JSON.stringify(args === undefined ? { execute: command } : { execute: command, arguments: args })}\n`);
    }).then((reply) => {
      if (reply.error !== undefined) throw new Error(`qemu-ga ${command}: ${reply.error.class}: ${reply.error.desc}`);
      return reply.return as T;
    });
  }

  /** guest-exec of `path`, then guest-exec-status back to back until it exited; returns its exit code. */
  async run(path: string): Promise<number> {
    const { pid } = await this.execute<{ pid: number }>('guest-exec', { path, 'capture-output': true });
    for (;;) {
      const status = await this.execute<{ exited: boolean; exitcode?: number }>('guest-exec-status', { pid });
      if (status.exited) return status.exitcode ?? -1;
    }
  }

  /** guest-file-open, guest-file-read until eof, guest-file-close; returns the bytes. */
  async readFile(path: string): Promise<Buffer> {
    const handle = await this.execute<number>('guest-file-open', { path, mode: 'r' });
    const chunks: Buffer[] = [];
    try {
      for (;;) {
        const read = await this.execute<{ count: number; 'buf-b64': string; eof: boolean }>('guest-file-read', { handle, count: 65536 });
        chunks.push(Buffer.from(read['buf-b64'], 'base64'));
        if (read.eof || read.count === 0) break;
      }
    } finally {
      await this.execute('guest-file-close', { handle });
    }
    return Buffer.concat(chunks);
  }
}

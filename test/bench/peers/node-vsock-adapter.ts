/**
 * node-vsock (npm `node-vsock-linux-x64-gnu`, 0.0.5), the other Node vsock addon, driven
 * through its prebuilt binary directly: the binary exports only the addon class; its JS wrapper
 * package is a thin EventEmitter over it. Facts used (from the upstream repository's addon.d.ts
 * and index.ts): the constructor takes `(err, eventName, ...args)` as its event sink and an
 * optional accepted fd; events are `_connection` (fd), `_connect`, `_data` (Buffer), `end`,
 * `_shutdown`, `_error`; `startRecv()` starts reading; `writeBuffer()` writes on the JS thread.
 */
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';

type Sink = (error: Error | null, event: string, ...args: unknown[]) => void;

interface Addon {
  listen(port: number): void;
  connect(cid: number, port: number): void;
  startRecv(): void;
  writeBuffer(data: Buffer): void;
  end(): void;
  close(): void;
}

type AddonClass = new (sink: Sink, fd?: number) => Addon;
let addonClass: AddonClass | undefined;

/** Loaded on first use: the package is an optional dependency (a linux-x64 binary only). */
function loadAddon(): AddonClass {
  addonClass ??= (createRequire(import.meta.url)('node-vsock-linux-x64-gnu') as { VsockSocket: AddonClass }).VsockSocket;
  return addonClass;
}

/** One node-vsock socket: emits 'connection' (listener), 'connect', 'data', 'end', 'error'. */
export class NodeVsock extends EventEmitter {
  readonly addon: Addon;

  constructor(fd?: number) {
    super();
    const AddonSocket = loadAddon();
    this.addon = new AddonSocket((error, event, ...args) => {
      if (error !== null) this.emit('error', error);
      else if (event === '_connection') this.emit('connection', new NodeVsock(args[0] as number));
      else if (event === '_connect') {
        this.addon.startRecv();
        this.emit('connect');
      } else if (event === '_data') this.emit('data', args[0]);
      else if (event === 'end') this.emit('end');
      else if (event === '_error') this.emit('error', args[0]);
    }, fd);
    if (fd !== undefined) this.addon.startRecv();
  }
}

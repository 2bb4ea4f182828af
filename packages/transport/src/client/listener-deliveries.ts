/**
 * What a call tells its grpc-js listener (response metadata, messages, the status), in the order
 * it happened and never from inside the code that caused it (grpc-js's CallStream contract): on a
 * later tick, or, for what a socket read of the vmrpc engine brought, once that read has been
 * handled (its connection's ReadEnd), which saves the tick. What happens in one turn goes out
 * together: a unary call's response and status, or the messages of a server stream read from one
 * socket read, cost one delivery, not one each. What the listener causes while it is being told
 * (a startRead() that hands over the next message) is told in the same delivery, after what was
 * already queued.
 */
import type { InterceptingListener, Metadata, StatusObject } from '@grpc/grpc-js';

const METADATA = 0;
const MESSAGE = 1;
const STATUS = 2;
type Kind = typeof METADATA | typeof MESSAGE | typeof STATUS;

/** A connection that can tell deliveries at the end of the socket read under way. */
export interface ReadEnd {
  /** Queues `deliveries` to be delivered when the read under way was handled; false if none is. */
  deliverAtReadEnd(deliveries: ListenerDeliveries): boolean;
}

export class ListenerDeliveries {
  /** Pairs of kind and value, in order. */
  private readonly items: Array<Kind | Metadata | Buffer | StatusObject> = [];
  private scheduled = false;
  /** Set once the call has a connection of the vmrpc engine. */
  readEnd: ReadEnd | undefined;

  constructor(private readonly listener: InterceptingListener) {}

  metadata(metadata: Metadata): void {
    this.add(METADATA, metadata);
  }

  message(message: Buffer): void {
    this.add(MESSAGE, message);
  }

  status(status: StatusObject): void {
    this.add(STATUS, status);
  }

  private add(kind: Kind, value: Metadata | Buffer | StatusObject): void {
    this.items.push(kind, value);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.readEnd?.deliverAtReadEnd(this) !== true) process.nextTick(deliver, this);
  }

  /** @internal The tick (or the read's end) came: tells the listener everything queued (and queued meanwhile). */
  deliver(): void {
    const items = this.items;
    let i = 0;
    try {
      for (; i < items.length; i += 2) {
        const value = items[i + 1];
        switch (items[i]) {
          case METADATA:
            this.listener.onReceiveMetadata(value as Metadata);
            break;
          case MESSAGE:
            this.listener.onReceiveMessage(value as Buffer);
            break;
          default:
            this.listener.onReceiveStatus(value as StatusObject);
        }
      }
    } finally {
      // A listener that threw (an uncaught exception, as from its own tick) does not stop the rest.
      if (i < items.length) {
        items.splice(0, i + 2);
        if (items.length > 0) process.nextTick(deliver, this);
        else this.scheduled = false;
      } else {
        items.length = 0;
        this.scheduled = false;
      }
    }
  }
}

function deliver(deliveries: ListenerDeliveries): void {
  deliveries.deliver();
}

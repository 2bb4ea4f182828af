// The HTTP/2 engines a VM channel can run on: channel suites run once per engine, so every
// behaviour they check holds on both.
import type { Http2Engine } from '@vmrpc/transport';

export const HTTP2_ENGINES: readonly Http2Engine[] = ['node', 'vmrpc'];

/** HTTP/1.1 clients and servers over Unix sockets and hybrid vsock (stand-in muxer) on the host. */
import { hostCarriers } from './support/carriers.js';
import { http1Suite } from './suites/http1-suite.js';

for (const carrier of hostCarriers) http1Suite(carrier);

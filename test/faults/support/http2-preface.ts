/** The HTTP/2 client preface, as @vmrpc/transport's listen() expects it first (RFC 9113, 3.4). */
export const HTTP2_CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

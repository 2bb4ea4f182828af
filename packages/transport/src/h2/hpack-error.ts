/** A header block that cannot be decoded: a COMPRESSION_ERROR of the whole connection (RFC 7541, 2.3.4). */
export class HpackError extends Error {}

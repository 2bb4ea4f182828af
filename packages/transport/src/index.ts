/**
 * @vmrpc/transport: gRPC (grpc-js) clients and servers over VM sockets.
 * Not implemented yet: see the project's issue "gRPC over VM sockets". This shell exists so the
 * workspace layout is final; it exports the version only.
 */
export const version = '0.1.0';

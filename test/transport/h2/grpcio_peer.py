"""A Python grpcio (gRPC core's own HTTP/2 stack, not nghttp2) peer for the h2 engine's tests.

  grpcio_peer.py client <unix path> <request bytes>   calls /h2test.Echo/Call with random bytes,
      prints JSON: request and response sha256, status, trailing metadata
  grpcio_peer.py server <unix path>                    serves /h2test.Echo/Call (answers with the
      sha256 of the request, then the request itself) until stdin closes; prints "ready"
"""
import hashlib
import json
import os
import sys

import grpc


def identity(data):
    return data


def client(path, size):
    request = os.urandom(size)
    with grpc.insecure_channel(f"unix:{path}", options=[("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]) as channel:
        call = channel.unary_unary("/h2test.Echo/Call", request_serializer=identity, response_deserializer=identity)
        response, info = call.with_call(request, metadata=[("x-from", "grpcio")], timeout=20)
        print(json.dumps({
            "request": hashlib.sha256(request).hexdigest(),
            "response": hashlib.sha256(response).hexdigest(),
            "code": info.code().name,
            "trailers": {key: value for key, value in info.trailing_metadata()},
            "headers": {key: value for key, value in info.initial_metadata()},
        }))


def server(path):
    from concurrent import futures

    def call(request, context):
        context.set_trailing_metadata([("x-request-hash", hashlib.sha256(request).hexdigest())])
        return request

    handler = grpc.method_handlers_generic_handler("h2test.Echo", {
        "Call": grpc.unary_unary_rpc_method_handler(call, request_deserializer=identity, response_serializer=identity),
    })
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=2), options=[("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)])
    srv.add_generic_rpc_handlers((handler,))
    srv.add_insecure_port(f"unix:{path}")
    srv.start()
    print("ready", flush=True)
    sys.stdin.read()
    srv.stop(None).wait()


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))
    else:
        server(sys.argv[2])

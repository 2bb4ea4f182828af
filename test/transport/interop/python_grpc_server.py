"""A gRPC server in Python (grpcio), the non-Node peer of the interop test.

Serves raw-bytes methods of vmrpc.interop.Echo on the Unix socket given as argv[1]:
  Unary         echoes the request; metadata x-echo comes back as trailing metadata
  ServerStream  sends N responses, N being the decimal request
  Fail          aborts with FAILED_PRECONDITION and a non-ASCII message
  Slow          sleeps 5 s (for deadlines)
Prints "ready" when serving; exits when stdin closes.
"""
import sys
import threading
import time
from concurrent import futures

import grpc


def unary(request, context):
    echoed = [value for key, value in context.invocation_metadata() if key == "x-echo"]
    context.set_trailing_metadata([("x-echoed", ",".join(echoed)), ("x-peer-language", "python")])
    return request


def server_stream(request, context):
    for index in range(int(request.decode())):
        yield str(index).encode()


def fail(request, context):
    context.abort(grpc.StatusCode.FAILED_PRECONDITION, "python says no: ünïcödé 100%")


def slow(request, context):
    time.sleep(5)
    return request


def main():
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
        "Slow": grpc.unary_unary_rpc_method_handler(slow),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("vmrpc.interop.Echo", handlers),))
    server.add_insecure_port(sys.argv[1])
    server.start()
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.stop(0)), daemon=True).start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()

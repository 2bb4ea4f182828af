"""Python grpcio (C core) against vmrpc's own gRPC server on its HTTP/2 engine.

The test (test/rpc/engine/engine-python.test.ts) serves vmrpc.testing.v1.Streaming at argv[1]
(a unix: target) and writes one JSON object on stdin: the serialized requests, hex-encoded (the
messages are encoded and decoded by the Node side, so no generated Python code is needed). This
client makes every call kind with raw bytes, sends metadata and reads headers and trailers, then
cancels a call the server is answering, lets a deadline pass, and calls an unknown method. It
prints one JSON object with what it saw; any exception fails the test through the exit code.
"""
import json
import sys
import threading

import grpc

SERVICE = "/vmrpc.testing.v1.Streaming/"


def metadata_dict(metadata):
    return {key: (value.hex() if isinstance(value, bytes) else value) for key, value in (metadata or ())}


def code_name(error):
    return error.code().name


def main():
    target = sys.argv[1]
    requests = json.load(sys.stdin)
    raw = {key: (bytes.fromhex(value) if isinstance(value, str) else [bytes.fromhex(item) for item in value]) for key, value in requests.items()}
    out = {}
    with grpc.insecure_channel(target) as channel:
        act = channel.unary_unary(SERVICE + "Act")
        response, call = act.with_call(raw["act"], metadata=[("x-echo", "from-python"), ("x-data-bin", b"\x00\xff")], timeout=10)
        out["act"] = {"response": response.hex(), "headers": metadata_dict(call.initial_metadata()), "trailers": metadata_dict(call.trailing_metadata())}

        try:
            act(raw["actFail"], timeout=10)
            out["actFail"] = "no error"
        except grpc.RpcError as error:
            out["actFail"] = {"code": code_name(error), "details": error.details(), "trailers": metadata_dict(error.trailing_metadata())}

        count = channel.unary_stream(SERVICE + "Count")(raw["count"], timeout=10)
        out["count"] = {"responses": [item.hex() for item in count], "trailers": metadata_dict(count.trailing_metadata())}

        out["sum"] = channel.stream_unary(SERVICE + "Sum")(iter(raw["sum"]), timeout=10).hex()
        out["chat"] = [item.hex() for item in channel.stream_stream(SERVICE + "Chat")(iter(raw["chat"]), timeout=10)]

        # Cancel a bidi call once the server has answered its first request (so it is running).
        chat = channel.stream_stream(SERVICE + "Chat")
        stop = threading.Event()

        def one_then_wait():
            yield raw["chat"][0]
            # Keep the request stream open: the call stays in progress until cancelled.
            stop.wait(10)

        cancelled = chat(one_then_wait(), timeout=10)
        first = next(cancelled)
        cancelled.cancel()
        stop.set()
        try:
            for _ in cancelled:
                pass
            out["cancel"] = "no error"
        except grpc.RpcError as error:
            out["cancel"] = {"first": first.hex(), "code": code_name(error)}

        try:
            act(raw["hang"], timeout=0.2)
            out["deadline"] = "no error"
        except grpc.RpcError as error:
            out["deadline"] = code_name(error)

        try:
            channel.unary_unary(SERVICE + "Nope")(b"", timeout=10)
            out["unknown"] = "no error"
        except grpc.RpcError as error:
            out["unknown"] = {"code": code_name(error), "details": error.details()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

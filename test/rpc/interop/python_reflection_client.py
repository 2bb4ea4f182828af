"""A gRPC reflection client in Python (grpcio + protobuf), the non-Node check of vmrpc's
server reflection.

Debian has no grpcio-reflection package, so the reflection messages are declared here from
the published grpc/reflection/v1/reflection.proto, built into protobuf's own DescriptorPool.
The client asks the server at argv[1] (a unix: target) for its services over
grpc.reflection.<argv[2]>, loads the FileDescriptorProtos it answers into a fresh pool (which
checks imports, names, types, map entries and oneofs as protoc would), calls
vmrpc.testing.v1.Streaming/Echo with the JSON message on stdin using message classes built
from those descriptors, and prints one JSON object: services, methods and the response.
With argv[3], every call names that agent (`vmrpc-agent` metadata): the same client through an
AgentHost's gateway to a guest agent.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

F = descriptor_pb2.FieldDescriptorProto


def field(name, number, kind, type_name=None, repeated=False, oneof=None):
    proto = F(name=name, number=number, type=kind, label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
    if type_name:
        proto.type_name = type_name
    if oneof is not None:
        proto.oneof_index = oneof
    return proto


def reflection_file(package):
    file = descriptor_pb2.FileDescriptorProto(name=f"{package}/reflection.proto", package=package, syntax="proto3")
    p = f".{package}."
    request = file.message_type.add(name="ServerReflectionRequest")
    request.oneof_decl.add(name="message_request")
    request.field.extend([
        field("host", 1, F.TYPE_STRING),
        field("file_by_filename", 3, F.TYPE_STRING, oneof=0),
        field("file_containing_symbol", 4, F.TYPE_STRING, oneof=0),
        field("file_containing_extension", 5, F.TYPE_MESSAGE, p + "ExtensionRequest", oneof=0),
        field("all_extension_numbers_of_type", 6, F.TYPE_STRING, oneof=0),
        field("list_services", 7, F.TYPE_STRING, oneof=0),
    ])
    file.message_type.add(name="ExtensionRequest").field.extend([field("containing_type", 1, F.TYPE_STRING), field("extension_number", 2, F.TYPE_INT32)])
    response = file.message_type.add(name="ServerReflectionResponse")
    response.oneof_decl.add(name="message_response")
    response.field.extend([
        field("valid_host", 1, F.TYPE_STRING),
        field("original_request", 2, F.TYPE_MESSAGE, p + "ServerReflectionRequest"),
        field("file_descriptor_response", 4, F.TYPE_MESSAGE, p + "FileDescriptorResponse", oneof=0),
        field("all_extension_numbers_response", 5, F.TYPE_MESSAGE, p + "ExtensionNumberResponse", oneof=0),
        field("list_services_response", 6, F.TYPE_MESSAGE, p + "ListServiceResponse", oneof=0),
        field("error_response", 7, F.TYPE_MESSAGE, p + "ErrorResponse", oneof=0),
    ])
    file.message_type.add(name="FileDescriptorResponse").field.extend([field("file_descriptor_proto", 1, F.TYPE_BYTES, repeated=True)])
    file.message_type.add(name="ExtensionNumberResponse").field.extend([field("base_type_name", 1, F.TYPE_STRING), field("extension_number", 2, F.TYPE_INT32, repeated=True)])
    file.message_type.add(name="ListServiceResponse").field.extend([field("service", 1, F.TYPE_MESSAGE, p + "ServiceResponse", repeated=True)])
    file.message_type.add(name="ServiceResponse").field.extend([field("name", 1, F.TYPE_STRING)])
    file.message_type.add(name="ErrorResponse").field.extend([field("error_code", 1, F.TYPE_INT32), field("error_message", 2, F.TYPE_STRING)])
    return file


def message_class(pool, name):
    descriptor = pool.FindMessageTypeByName(name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def main():
    target, version = sys.argv[1], sys.argv[2]
    metadata = [("vmrpc-agent", sys.argv[3])] if len(sys.argv) > 3 else None
    package = f"grpc.reflection.{version}"
    own = descriptor_pool.DescriptorPool()
    own.Add(reflection_file(package))
    Request = message_class(own, f"{package}.ServerReflectionRequest")
    Response = message_class(own, f"{package}.ServerReflectionResponse")

    channel = grpc.insecure_channel(target)
    info = channel.stream_stream(f"/{package}.ServerReflection/ServerReflectionInfo", request_serializer=Request.SerializeToString, response_deserializer=Response.FromString)

    def ask(**request):
        responses = list(info(iter([Request(**request)]), timeout=10, metadata=metadata))
        assert len(responses) == 1, responses
        answer = responses[0]
        if answer.WhichOneof("message_response") == "error_response":
            return {"error": answer.error_response.error_code}
        return answer

    services = [service.name for service in ask(list_services="").list_services_response.service]

    # Every file the Streaming service needs, added to a fresh pool imports first.
    files = {}
    for blob in ask(file_containing_symbol="vmrpc.testing.v1.Streaming").file_descriptor_response.file_descriptor_proto:
        proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
        files[proto.name] = proto
    pool = descriptor_pool.DescriptorPool()
    added = set()

    def add(name):
        if name in added:
            return
        for dependency in files[name].dependency:
            add(dependency)
        pool.Add(files[name])
        added.add(name)

    for name in sorted(files):
        add(name)
    service = pool.FindServiceByName("vmrpc.testing.v1.Streaming")
    methods = [
        [m.name, m.input_type.full_name, m.output_type.full_name, bool(getattr(m, "client_streaming", False)), bool(getattr(m, "server_streaming", False))]
        for m in service.methods
    ]

    Everything = message_class(pool, "vmrpc.testing.v1.Everything")
    request = json_format.Parse(sys.stdin.read(), Everything(), descriptor_pool=pool)
    echo = channel.unary_unary("/vmrpc.testing.v1.Streaming/Echo", request_serializer=Everything.SerializeToString, response_deserializer=Everything.FromString)
    response = echo(request, timeout=10, metadata=metadata)

    print(json.dumps({
        "services": services,
        "files": sorted(files),
        "methods": methods,
        "response": json_format.MessageToDict(response, descriptor_pool=pool),
        "missingSymbol": ask(file_containing_symbol="vmrpc.testing.v1.Nope"),
        "extensionNumbers": list(ask(all_extension_numbers_of_type="vmrpc.testing.v1.Action").all_extension_numbers_response.extension_number),
        "byFilename": len(ask(file_by_filename="google/protobuf/timestamp.proto").file_descriptor_response.file_descriptor_proto),
    }))
    channel.close()


if __name__ == "__main__":
    main()

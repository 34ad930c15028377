"""One unary gRPC call with grpc-go-like limits, for answers grpc-js cannot receive.

The engine's gRPC client (grpc-go) takes a 16 MiB header list and, as Pulumi sets it, 400 MiB
messages. grpc-js cannot receive a header field over ~64 KiB, and a dynamic provider's partial
failure travels in the `grpc-status-details-bin` trailer. Debian's python3-grpcio (C core) takes
it. Bytes in, bytes out: the request arrives serialized on stdin, and one JSON line goes to
stdout: {"response": base64} or {"code": n, "message": s, "details": base64 or null}.

Usage: /usr/bin/python3 grpc-call.py <host:port> </package.Service/Method>
"""
import base64
import json
import sys

import grpc

MIB = 1024 * 1024


def main() -> None:
    target, method = sys.argv[1], sys.argv[2]
    channel = grpc.insecure_channel(
        target,
        options=[
            ("grpc.max_metadata_size", 16 * MIB),
            ("grpc.max_receive_message_length", 400 * MIB),
            ("grpc.max_send_message_length", 400 * MIB),
        ],
    )
    call = channel.unary_unary(method)  # no (de)serializers: raw bytes both ways
    request = sys.stdin.buffer.read()
    try:
        answer = {"response": base64.b64encode(call(request)).decode()}
    except grpc.RpcError as error:
        details = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
        answer = {
            "code": error.code().value[0],
            "message": error.details(),
            "details": base64.b64encode(details).decode() if details else None,
        }
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()

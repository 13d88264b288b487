"""gRPC transport with mutual TLS: protos, generated code, matcher server and department client."""

"""Generated gRPC code: never edit by hand (see transport/README or README.md)."""

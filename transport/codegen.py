"""Regenerate the gRPC code in transport/generated/ from the .proto files in transport/protos/.

    python -m transport.codegen

The one command that writes transport/generated/ (never edit those files by hand). The output
is committed, so installing the engine needs only the protobuf and grpcio runtimes; this
command needs grpcio-tools (in the `dev` extra). The protos are compiled under the virtual
path transport/generated/, so the generated modules import each other as
`transport.generated.<name>_pb2` and need no rewriting.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROTOS = HERE / "protos"
GENERATED = HERE / "generated"
VIRTUAL_DIR = "transport/generated"


def proto_files() -> list[Path]:
    return sorted(PROTOS.glob("*.proto"))


def generate() -> list[Path]:
    """Compile every proto; return the files written."""
    try:
        from grpc_tools import protoc
    except ImportError:  # pragma: no cover - depends on the environment
        sys.exit("grpcio-tools is needed to regenerate: pip install -e '.[dev]'")
    import grpc_tools

    include = Path(grpc_tools.__file__).parent / "_proto"
    out_root = HERE.parent
    for old in GENERATED.glob("*_pb2*.py*"):
        old.unlink()
    args = [
        "grpc_tools.protoc",
        f"-I{VIRTUAL_DIR}={PROTOS}",
        f"-I{include}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
    ] + [f"{VIRTUAL_DIR}/{p.name}" for p in proto_files()]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    return sorted(GENERATED.glob("*_pb2*.py*"))


def main() -> None:
    for path in generate():
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()

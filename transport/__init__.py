"""gRPC transport with mutual TLS: protos, generated code, matcher server and department client.

    from transport import MatcherClient, serve
    server = serve("matcher-data", 0, cert="matcher.crt", key="matcher.key")  # port 0: any free
    client = MatcherClient.connect(f"localhost:{server.port}", cert="dept.crt", key="dept.key",
                                   ca="ca.crt")

Names below load on first use, so `import transport` does not load gRPC.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "MatcherClient": "transport.client",
    "serve": "transport.server",
}
__all__ = ["MatcherClient", "serve"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'transport' has no attribute {name!r}")

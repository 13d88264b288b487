"""Department side: schema, normalisers, tokenisers, keyed hashing, hardening and the encoder.

Only key holders run this package; the central matcher never imports it with a secret.

    from bloom import LinkageSecret, encode, encode_file, load_schema
    result = encode(records, "cn-identity", LinkageSecret.load("dept.key", passphrase))

Heavy modules (NumPy kernels, pypinyin, OpenCC) load on first use, so `bloom.secret` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LinkageSecret": "bloom.secret",
    "Schema": "bloom.schema",
    "load_schema": "bloom.schema",
    "encode": "bloom.encoder",
    "EncodeResult": "bloom.encoder",
    "encode_file": "bloom.files",
    "EncodeSummary": "bloom.files",
}
__all__ = [
    "EncodeResult",
    "EncodeSummary",
    "LinkageSecret",
    "Schema",
    "encode",
    "encode_file",
    "load_schema",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bloom' has no attribute {name!r}")

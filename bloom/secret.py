"""The linkage secret: shared by the departments of one linkage, never held by the matcher.

A `LinkageSecret` holds ≥ 256 random bits. It never shows them: `repr` gives only the key id,
pickling and copying are refused, and the bytes come out only through the explicit `expose()`.
Derived keys (per field, per purpose) come from `derive()` (HKDF-SHA256 with a distinct `info`
string), so no two uses of the secret ever share a key.

At rest the secret is a small JSON file: scrypt turns the passphrase into an AES-256-GCM key,
and the header (format, KDF parameters, key id) is bound as associated data, so a file whose
header was edited fails to open exactly like a wrong passphrase does.

The key id is a hash commitment to the secret (SHA-256 over a domain tag and the bytes,
truncated to 128 bits): safe to print, store in manifests and compare, and because the secret
is 256 random bits it reveals nothing about them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from pprl.errors import SecretError
from pprl.files import write_private

SECRET_BYTES = 32
FILE_FORMAT = "pprl-linkage-secret"
FILE_VERSION = 1
_KEY_ID_TAG = b"pprl/linkage-secret/key-id/v1\0"
_HKDF_SALT = b"pprl/linkage-secret/hkdf/v1"
_SCRYPT_MEMORY_LIMIT = 1 << 30  # a damaged or hostile file cannot make us allocate more


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost parameters; the defaults take about 0.1 s and 32 MiB per open."""

    log2_n: int = 15
    r: int = 8
    p: int = 1


class LinkageSecret:
    """≥ 256 random bits shared by the departments of one linkage. Never printed or pickled."""

    __slots__ = ("__bytes", "__key_id")

    def __init__(self, _raw: bytes, /) -> None:
        if not isinstance(_raw, bytes | bytearray):
            raise TypeError("a linkage secret is made from bytes")
        if len(_raw) < SECRET_BYTES:
            raise ValueError(f"a linkage secret needs at least {SECRET_BYTES} bytes")
        self.__bytes = bytes(_raw)
        self.__key_id = hashlib.sha256(_KEY_ID_TAG + self.__bytes).hexdigest()[:32]

    @classmethod
    def generate(cls) -> LinkageSecret:
        return cls(secrets.token_bytes(SECRET_BYTES))

    @classmethod
    def from_bytes(cls, raw: bytes) -> LinkageSecret:
        return cls(raw)

    @property
    def key_id(self) -> str:
        """A public commitment to the secret: equal ids mean equal secrets."""
        return self.__key_id

    def expose(self) -> bytes:
        """The secret bytes. The only way to them; call it only to wrap or derive."""
        return self.__bytes

    def derive(self, info: bytes, length: int = 32) -> bytes:
        """A key for one purpose (HKDF-SHA256). Distinct `info` strings give independent keys."""
        if not info:
            raise ValueError("a derived key needs a non-empty info string")
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=_HKDF_SALT, info=info).derive(
            self.__bytes
        )

    # --- never shown, never serialised -------------------------------------------------
    def __repr__(self) -> str:
        return f"LinkageSecret(key_id={self.__key_id!r}, <redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self):
        raise TypeError("a LinkageSecret cannot be pickled; save it encrypted with save()")

    def __reduce_ex__(self, protocol):
        raise TypeError("a LinkageSecret cannot be pickled; save it encrypted with save()")

    def __getstate__(self):
        raise TypeError("a LinkageSecret cannot be pickled; save it encrypted with save()")

    def __copy__(self):
        raise TypeError("a LinkageSecret cannot be copied")

    def __deepcopy__(self, memo):
        raise TypeError("a LinkageSecret cannot be copied")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinkageSecret):
            return NotImplemented
        return hmac.compare_digest(self.__bytes, other.__bytes)

    def __hash__(self) -> int:
        return hash(self.__key_id)

    # --- at rest ---------------------------------------------------------------------------
    def save(
        self, path: str | Path, passphrase: bytes, *, params: ScryptParams | None = None
    ) -> None:
        """Write the secret encrypted under `passphrase` (file mode 0600, never overwrites)."""
        if not passphrase:
            raise SecretError("a passphrase is required to protect the linkage secret")
        params = params or ScryptParams()
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        header = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "kdf": {"name": "scrypt", "log2_n": params.log2_n, "r": params.r, "p": params.p},
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "key_id": self.__key_id,
        }
        key = _scrypt(passphrase, salt, params)
        ciphertext = AESGCM(key).encrypt(nonce, self.__bytes, _aad(header))
        document = dict(header, cipher="AES-256-GCM", ciphertext=_b64(ciphertext))
        payload = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")
        write_private(Path(path), payload)

    @classmethod
    def load(cls, path: str | Path, passphrase: bytes) -> LinkageSecret:
        """Open a saved secret. Any failure is a SecretError "cannot open linkage secret";
        one that decrypts to nothing (the AES-GCM tag does not verify) adds "wrong passphrase"."""
        try:
            document = json.loads(Path(path).read_text(encoding="ascii"))
            if document.get("format") != FILE_FORMAT or document.get("version") != FILE_VERSION:
                raise ValueError("not a linkage secret file")
            kdf = document["kdf"]
            if kdf["name"] != "scrypt":
                raise ValueError("unknown kdf")
            params = ScryptParams(log2_n=int(kdf["log2_n"]), r=int(kdf["r"]), p=int(kdf["p"]))
            header = {k: document[k] for k in ("format", "version", "kdf", "salt", "nonce")}
            header["key_id"] = document["key_id"]
            key = _scrypt(passphrase, _unb64(document["salt"]), params)
            raw = AESGCM(key).decrypt(
                _unb64(document["nonce"]), _unb64(document["ciphertext"]), _aad(header)
            )
            secret = cls(raw)
            if not hmac.compare_digest(secret.key_id, str(document["key_id"])):
                raise ValueError("key id does not match")
            return secret
        except InvalidTag:
            raise SecretError(
                f"cannot open linkage secret {path}: wrong passphrase (or an altered file)"
            ) from None
        except (OSError, ValueError, KeyError, TypeError, MemoryError):
            raise SecretError(f"cannot open linkage secret {path}") from None


def read_key_id(path: str | Path) -> str:
    """The key id recorded in a saved secret file, without opening the secret."""
    try:
        return str(json.loads(Path(path).read_text(encoding="ascii"))["key_id"])
    except (OSError, ValueError, KeyError, TypeError):
        raise SecretError(f"cannot open linkage secret {path}") from None


def _scrypt(passphrase: bytes, salt: bytes, params: ScryptParams) -> bytes:
    if not 10 <= params.log2_n <= 20 or not 1 <= params.r <= 32 or not 1 <= params.p <= 16:
        raise ValueError("scrypt parameters out of range")
    if 128 * params.r * 2**params.log2_n > _SCRYPT_MEMORY_LIMIT:
        raise ValueError("scrypt parameters ask for too much memory")
    return Scrypt(salt=salt, length=32, n=2**params.log2_n, r=params.r, p=params.p).derive(
        bytes(passphrase)
    )


def _aad(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)

"""Resumable, verified uploads of encoded datasets into the matcher's data directory.

Layout under DATA_DIR:

    uploads/<upload_id>/meta.json    who, which agreement, declared size and hash, manifest
    uploads/<upload_id>/data.part    verified bytes so far
    uploads/<upload_id>/offset       how many bytes of data.part are verified (written last)
    datasets/<dataset_id>.arrows     committed datasets: the verified Arrow IPC stream itself
    datasets/<dataset_id>.json       their DatasetRecord (with the department's signature)

Each chunk is checked against its own SHA-256 and must start exactly at the verified offset, so
a broken connection loses nothing verified and a damaged chunk is refused without touching the
file. Commit checks the whole-stream hash, the Arrow contents against the manifest, and the
manifest's signature by the uploading department; only then is the verified file renamed into
`datasets/` (nothing is re-encoded), and runs memory-map it from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa

from pprl.encoded import EncodedDataset, Manifest, dataset_from_table, manifest_of
from pprl.errors import (
    AuthorisationError,
    EncodedFormatError,
    InputError,
    IntegrityError,
    LimitExceeded,
    NotFound,
)
from pprl.files import write_atomic
from transport.limits import Limits

_ID = re.compile(r"^[0-9a-f]{32}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DATASET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass(frozen=True)
class UploadState:
    upload_id: str
    next_offset: int
    total_bytes: int

    @property
    def complete(self) -> bool:
        return self.next_offset == self.total_bytes


@dataclass(frozen=True)
class DatasetRecord:
    dataset_id: str
    department: str
    dataset_name: str
    agreement_id: str
    record_count: int
    content_hash: str
    schema_fingerprint: str
    key_id: str
    manifest_signature: str  # the department's, kept so the upload stays attributable


DATASET_SUFFIX = ".arrows"


class UploadStore:
    """Pure upload logic over a directory; the servicer only translates messages."""

    def __init__(self, data_dir: Path, limits: Limits) -> None:
        self.root = data_dir / "uploads"
        self.datasets = data_dir / "datasets"
        self.root.mkdir(parents=True, exist_ok=True)
        self.datasets.mkdir(parents=True, exist_ok=True)
        self.limits = limits
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, upload_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(upload_id, threading.Lock())

    def _dir(self, upload_id: str) -> Path:
        if not _ID.match(upload_id):
            raise NotFound("unknown upload id")
        path = self.root / upload_id
        if not path.is_dir():
            raise NotFound("unknown upload id")
        return path

    def _meta(self, department: str, upload_id: str) -> dict:
        meta = json.loads((self._dir(upload_id) / "meta.json").read_text())
        if meta["department"] != department:
            raise NotFound("unknown upload id")  # never confirm another department's upload
        return meta

    def _offset(self, path: Path) -> int:
        return int((path / "offset").read_text())

    def begin(
        self,
        department: str,
        *,
        upload_id: str,
        agreement_id: str,
        dataset_name: str,
        manifest_json: str,
        total_bytes: int,
        total_sha256: str,
        check_signature: Callable[[Manifest], None],
    ) -> UploadState:
        if upload_id:
            meta = self._meta(department, upload_id)
            if (meta["total_bytes"], meta["total_sha256"]) != (total_bytes, total_sha256):
                raise InputError("resumed upload declares a different size or hash")
            path = self._dir(upload_id)
            return UploadState(upload_id, self._offset(path), meta["total_bytes"])
        if not _NAME.match(dataset_name):
            raise InputError(
                "dataset name must be 1-64 letters, digits, '.', '_' or '-'", field="dataset_name"
            )
        if not _HEX64.match(total_sha256):
            raise InputError("total_sha256 must be 64 lowercase hex digits", field="total_sha256")
        if total_bytes <= 0:
            raise InputError("an upload cannot be empty", field="total_bytes")
        if total_bytes > self.limits.max_upload_bytes:
            raise LimitExceeded(
                f"upload of {total_bytes} bytes is over the limit of "
                f"{self.limits.max_upload_bytes} bytes"
            )
        manifest = Manifest.from_json(manifest_json)
        if manifest.department != department:
            raise AuthorisationError()
        if manifest.record_count > self.limits.max_records:
            raise LimitExceeded(f"{manifest.record_count} records is over the limit")
        check_signature(manifest)
        self.drop_stale()
        open_uploads = sum(
            1
            for p in self.root.glob("*/meta.json")
            if json.loads(p.read_text())["department"] == department
        )
        if open_uploads >= self.limits.max_open_uploads:
            raise LimitExceeded("too many unfinished uploads; finish or let them expire")
        upload_id = secrets.token_hex(16)
        path = self.root / upload_id
        path.mkdir()
        (path / "data.part").touch()
        write_atomic(path / "offset", b"0")
        meta = {
            "department": department,
            "agreement_id": agreement_id,
            "dataset_name": dataset_name,
            "manifest_json": manifest_json,
            "total_bytes": total_bytes,
            "total_sha256": total_sha256,
        }
        write_atomic(path / "meta.json", json.dumps(meta).encode())
        return UploadState(upload_id, 0, total_bytes)

    def append(
        self, department: str, upload_id: str, offset: int, data: bytes, sha256: bytes
    ) -> UploadState:
        meta = self._meta(department, upload_id)
        path = self._dir(upload_id)
        with self._lock(upload_id):
            current = self._offset(path)
            if offset != current:
                raise InputError(f"chunk starts at {offset}, expected {current}", field="offset")
            if not data or current + len(data) > meta["total_bytes"]:
                raise InputError("chunk is empty or runs past the declared size", field="data")
            if hashlib.sha256(data).digest() != sha256:
                raise IntegrityError(f"chunk at offset {offset} does not match its hash")
            with open(path / "data.part", "r+b") as fh:
                fh.seek(current)
                fh.write(data)
                fh.truncate()
            # Not forced to disk per chunk: a server crash keeps the page cache, and after a
            # power loss the whole-stream hash checked at commit refuses any inconsistency.
            write_atomic(path / "offset", str(current + len(data)).encode(), durable=False)
            return UploadState(upload_id, current + len(data), meta["total_bytes"])

    def drop_stale(self, now: float | None = None) -> list[str]:
        """Remove unfinished uploads whose last chunk is older than the configured TTL."""
        now = time.time() if now is None else now
        dropped = []
        for offset in self.root.glob("*/offset"):
            if now - offset.stat().st_mtime > self.limits.upload_ttl_seconds:
                with self._lock(offset.parent.name):
                    shutil.rmtree(offset.parent, ignore_errors=True)
                dropped.append(offset.parent.name)
        return dropped

    def agreement_of(self, department: str, upload_id: str) -> str:
        return self._meta(department, upload_id)["agreement_id"]

    def state(self, department: str, upload_id: str) -> UploadState:
        meta = self._meta(department, upload_id)
        return UploadState(upload_id, self._offset(self._dir(upload_id)), meta["total_bytes"])

    def commit(
        self,
        department: str,
        upload_id: str,
        check_signature: Callable[[Manifest], None],
        check_compatible: Callable[[str, Manifest], None],
    ) -> DatasetRecord:
        meta = self._meta(department, upload_id)
        path = self._dir(upload_id)
        with self._lock(upload_id):
            if self._offset(path) != meta["total_bytes"]:
                raise InputError("upload is not complete; send the remaining chunks first")
            if _file_sha256(path / "data.part") != meta["total_sha256"]:
                raise IntegrityError("uploaded bytes do not match the declared hash")
            declared = Manifest.from_json(meta["manifest_json"])
            check_signature(declared)
            table = _read_ipc(path / "data.part")
            carried = manifest_of(table, "upload")
            if carried.signing_bytes() != declared.signing_bytes():
                raise IntegrityError("manifest in the data differs from the signed manifest")
            dataset_from_table(table, "upload", verify=True)
            check_compatible(meta["agreement_id"], declared)
            record = DatasetRecord(
                dataset_id=dataset_id(meta["dataset_name"], meta["agreement_id"], declared),
                department=department,
                dataset_name=meta["dataset_name"],
                agreement_id=meta["agreement_id"],
                record_count=declared.record_count,
                content_hash=declared.content_hash,
                schema_fingerprint=declared.schema_fingerprint,
                key_id=declared.key_id,
                manifest_signature=declared.signature or "",
            )
            part = path / "data.part"
            with open(part, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(part, self.datasets / f"{record.dataset_id}{DATASET_SUFFIX}")
            write_atomic(
                self.datasets / f"{record.dataset_id}.json", json.dumps(asdict(record)).encode()
            )
            shutil.rmtree(path)
        return record

    def dataset(self, dataset_id: str) -> DatasetRecord:
        if not _DATASET_ID.match(dataset_id):
            raise NotFound("unknown dataset")
        path = self.datasets / f"{dataset_id}.json"
        if not path.exists():
            raise NotFound("unknown dataset")
        return DatasetRecord(**json.loads(path.read_text()))

    def datasets_under(self, agreement_id: str) -> list[DatasetRecord]:
        return [r for r in self._records() if r.agreement_id == agreement_id]

    def _records(self) -> list[DatasetRecord]:
        return [DatasetRecord(**json.loads(p.read_text())) for p in self.datasets.glob("*.json")]

    def datasets_of(self, department: str) -> list[DatasetRecord]:
        """A department's own committed datasets, by id."""
        return sorted(
            (r for r in self._records() if r.department == department), key=lambda r: r.dataset_id
        )

    def delete(self, department: str, dataset_id: str) -> DatasetRecord:
        """Remove a department's own dataset; another's is unknown (NotFound) to it."""
        record = self.dataset(dataset_id)
        if record.department != department:
            raise NotFound("unknown dataset")
        with self._lock(dataset_id):
            (self.datasets / f"{dataset_id}{DATASET_SUFFIX}").unlink(missing_ok=True)
            (self.datasets / f"{dataset_id}.json").unlink(missing_ok=True)
        return record


def load_dataset(path: str | Path, *, verify: bool = True) -> EncodedDataset:
    """A committed dataset, memory-mapped (its content hash checked again unless told not to)."""
    return dataset_from_table(_read_ipc(Path(path)), str(path), verify=verify)


def dataset_id(name: str, agreement_id: str, manifest: Manifest) -> str:
    """Stable for the same content under the same agreement (re-uploading is idempotent)."""
    digest = hashlib.sha256(f"{agreement_id}\0{manifest.content_hash}".encode()).hexdigest()
    return f"{name}-{digest[:12]}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_ipc(path: Path) -> pa.Table:
    """The uploaded stream, memory-mapped rather than read into memory."""
    try:
        with pa.memory_map(str(path)) as source, pa.ipc.open_stream(source) as reader:
            return reader.read_all()
    except (pa.ArrowException, OSError, ValueError):
        raise EncodedFormatError("upload is not an Arrow IPC stream") from None

"""Writing files so that a reader never sees half of one and a key is never left readable.

write_atomic(path, data)    replace `path` in one rename (a crash leaves the old file or
                            the new one, never a mix); forced to disk unless durable=False
write_private(path, data)   create a new file readable by its owner only (0600); an
                            existing file is never overwritten (a key is never replaced)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`; renamed over it when the block succeeds, else removed."""
    path = Path(path)
    # A unique hidden name: two writers of one path never share a temporary file.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Replace `path` with `data` in one rename; `durable` also forces it to disk first."""
    with atomic_path(path) as tmp:
        fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())


def write_private(path: Path, data: bytes) -> None:
    """Create `path` readable by its owner only; refuse (FileExistsError) if it exists."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise

"""Where the benchmarks write: `bench/results/<name>-<UTC timestamp>.md` (and `.json`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def utc_stamp() -> str:
    """The timestamp in result file names, e.g. 20261203T190350Z."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_markdown(path: Path, lines: list[str]) -> Path:
    """Write the table's lines to `path` (its folder made if needed) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return path

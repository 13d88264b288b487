"""The one progress bar: a tqdm bar on stderr fed by `progress(done, total)` callbacks.

Long operations (encoding, comparing, uploading, generating) take a `progress` callable and
call it as work gets done; the commands pass them a `ProgressBar`:

    with ProgressBar("pair", desc="comparing", unit_scale=True, quiet=quiet) as bar:
        linkage.match(a, b, ..., progress=bar)

`done` is the work finished since the last call, or with `cumulative=True` all the work
finished so far (an upload reports the bytes sent). A `total` that differs from the bar's
restarts it at zero (several comparisons in a row, each with its own total); None leaves it.
The bar is drawn only when stderr is a terminal and not `quiet`, so logs and pipes never fill
with bar updates; `only_on_terminal=False` leaves that choice to the caller (a library call that
asked for progress gets it wherever stderr goes).
"""

from __future__ import annotations

import sys


class ProgressBar:
    """A tqdm bar on stderr, shown without `quiet` (and then only on a terminal, by default)."""

    def __init__(
        self,
        unit: str,
        *,
        desc: str | None = None,
        total: int | None = None,
        unit_scale: bool = False,
        leave: bool = True,
        cumulative: bool = False,
        quiet: bool = False,
        only_on_terminal: bool = True,
    ) -> None:
        from tqdm import tqdm

        self.cumulative = cumulative
        self.bar = tqdm(
            total=total,
            unit=unit,
            unit_scale=unit_scale,
            desc=desc,
            leave=leave,
            file=sys.stderr,
            disable=quiet or (only_on_terminal and not sys.stderr.isatty()),
        )

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None and self.bar.total != total:
            self.bar.reset(total=total)
        self.bar.update(done - self.bar.n if self.cumulative else done)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

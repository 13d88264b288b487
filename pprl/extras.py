"""Optional parts of the engine, installed as pip extras for a slim department install.

    cluster  dask[distributed]  `linkage.dask_executor.DaskExecutor`
    plots    matplotlib         `linkage.plot.score_histogram`, `pprl match --plot`
    all      both

`require_extra` imports an optional module where it is needed, or tells the user which extra
to install (a `MissingExtraError`, one line on the command line).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from pprl.errors import MissingExtraError


def require_extra(module: str, extra: str) -> ModuleType:
    """Import `module`, or raise `MissingExtraError` naming `pprl-engine[extra]`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or ""
        absent = bool(missing) and (module == missing or module.startswith(missing + "."))
        # Installed but broken (one of its own dependencies missing): say what failed.
        reason = "" if absent else " ".join(str(exc).split())
        raise MissingExtraError(module, extra, reason) from exc

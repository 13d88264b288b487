"""Fixtures for the regression corpus: the transport tests' provisioned world and helpers."""

from __future__ import annotations

import sys
from pathlib import Path

# The end-to-end helpers (a provisioned matcher, encoded pairs) live with the transport tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "transport"))

from transport_world import server, world  # noqa: E402, F401  (pytest fixtures)

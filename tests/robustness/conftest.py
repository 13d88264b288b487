"""Fixtures for the regression corpus: the transport tests' worlds and helpers.

`world` is the provisioned matcher the server-side cases use. `deployment` is every party in
its own directory against a real matcher process (`deploy_world`), for the command-line cases:
the office, MCA and MPS, with MPS's catalogue entry `MPS-REGISTRY`; `in_force` is an agreement
in force between MCA (consumer) and MPS (provider).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The end-to-end helpers (a provisioned matcher, encoded pairs) live with the transport tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "transport"))

from deploy_world import Deployment  # noqa: E402
from robustness_deploy import ENTRY, apply, approve  # noqa: E402
from transport_world import server, world  # noqa: E402, F401  (pytest fixtures)


@pytest.fixture(scope="session")
def deployment(tmp_path_factory):
    deployed = Deployment(tmp_path_factory.mktemp("deploy"), ("MCA", "MPS"))
    try:
        deployed.set_up()
        deployed.pprl("MPS", "catalog", "add", "--id", "MPS-REGISTRY", *ENTRY)
        yield deployed
    finally:
        deployed.stop()


@pytest.fixture(scope="session")
def in_force(deployment) -> str:
    """An agreement in force: MCA's application for MPS's registry, approved by both."""
    agreement = apply(deployment, "2026-01-01", "2099-12-31").stdout.strip()
    approve(deployment, agreement)
    return agreement

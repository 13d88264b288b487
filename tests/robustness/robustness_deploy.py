"""MCA's agreements with MPS over the network, for the corpus's command-line cases."""

from __future__ import annotations

from deploy_world import Deployment

ENTRY = [
    "--category", "population", "--name", "MPS registry", "--provider", "MPS",
    "--format", "parquet", "--field", "death_date", "--field", "cause",
    "--update-cycle", "monthly", "--sharing-type", "conditional", "--scope", "province",
    "--method", "interface", "--source-system", "hukou", "--security-level", "important",
]  # fmt: skip


def apply(deployment: Deployment, valid_from: str, valid_until: str, *, ok: bool = True):
    """MCA's application for MPS's registry over the network (the `pprl agreement apply`)."""
    return deployment.pprl(
        "MCA", "agreement", "apply", "--provider", "MPS", "--entry", "MPS-REGISTRY",
        "--purpose", "find assistance recipients who have died", "--scenario", "s",
        "--scope", "330000", "--disclose", "death_date",
        "--valid-from", valid_from, "--valid-until", valid_until, "--id-only", ok=ok,
    )  # fmt: skip


def approve(deployment: Deployment, agreement_id: str) -> None:
    for party in ("OFFICE", "MPS"):
        deployment.pprl(party, "agreement", "approve", agreement_id)

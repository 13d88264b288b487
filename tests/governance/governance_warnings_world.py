"""Helpers for the warnings tests: an agreement in force and matched pairs of record tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

from governance.model import SharingType
from governance.warning_pairs import MatchedPair, PairSource

# 10:00 in China on the last working day before the 2026 National Day week.
BEFORE_NATIONAL_DAY = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.timezone.utc)


def agreement_in_force(world, entry_id: str = "gaj-deaths") -> str:
    """MCA (consumer) matches its low-income list against MPS's `entry_id` (provider)."""
    entry = world.entry(entry_id, "MPS", SharingType.CONDITIONAL)
    agreement = world.store.apply(world.signers["MCA"], world.application(entry))
    for approver in agreement.required_approvers:
        world.store.approve(world.signers[approver], agreement.agreement_id)
    return agreement.agreement_id


def token(label: str) -> str:
    """A record token as the encoder makes them: 32 lowercase hex characters."""
    return hashlib.sha256(label.encode()).hexdigest()[:32]


def pairs(n: int, label: str = "run") -> PairSource:
    return PairSource(
        f"{label}-{n}",
        tuple(
            MatchedPair(token(f"{label}a{i}"), token(f"{label}b{i}"), 0.9 + (i % 10) / 100)
            for i in range(n)
        ),
    )

"""One attack's output: per-record guesses of each scored attribute (None: no guess)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bloom.attacks.plain import ATTRIBUTES


@dataclass
class AttackResult:
    attack: str
    guesses: dict[str, np.ndarray]  # attribute -> object[n]
    # blocking key -> the plaintext combination guessed for each record (bytes, None)
    combos: dict[str, np.ndarray] = field(default_factory=dict)
    combo_common: dict[str, bytes] = field(default_factory=dict)  # reference's most frequent
    notes: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def empty(cls, attack: str, n: int) -> AttackResult:
        return cls(attack, {a: np.full(n, None, dtype=object) for a in ATTRIBUTES})


def given_from_full(full: np.ndarray) -> np.ndarray:
    from bloom.attacks.plain import given_of

    return np.array([given_of(v) if v else None for v in full.tolist()], dtype=object)


def surname_from_full(full: np.ndarray) -> np.ndarray:
    return np.array([v[0] if v else None for v in full.tolist()], dtype=object)


def fill(target: np.ndarray, values: np.ndarray) -> None:
    """Set `target` where it has no guess yet and `values` has one."""
    use = np.array([t is None and v is not None for t, v in zip(target, values, strict=True)])
    if use.size:
        target[use] = values[use]

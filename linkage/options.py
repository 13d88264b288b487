"""The matcher's options and their defaults, in one place that never loads Numba.

The solver and blocking choices are enums; the command line (click choices), the run service
(proto enums, `transport.run_options`) and the Python API read their names from here, and
strings become enums only where they enter (an option parsed, a request or run record read).
Kept apart from the kernels so that the command line can show them without loading Numba.

Default settings, measured on synthetic extracts with the default corruption (bench/).
Measured on `low-income-all-departments` (the low-income list against eleven department
extracts) with the cn-identity schema (`bench/quality_peers.py` and the runs behind it):
- threshold 0.75: extracts range from most of the list (household register) to a few dozen
  people (public payroll), and the best single threshold moves from about 0.71 at 50,000
  people to 0.74 at 500,000-1,000,000 as namesakes multiply; 0.75 stays within 0.0005 of the
  best mean F1 at every size, while 0.7 loses more than a point at 500,000 (0.989 vs 0.993);
- many-to-one: the usual run checks a department's list (A) against a register (B), and every
  list entry, even a duplicate one, should get its best register record;
- duplicates at 0.8: a person registered twice in B should be found through both records; B
  records that close to the chosen one are near-copies, not namesakes (household register,
  50,000 people, three seeds: F1 0.9926 with one B record per A record, 0.9976 with them);
- deduplication 0.75: clusters are connected components, which chain, so the threshold stays
  where namesakes are kept apart (pairwise F1 0.9987 on the low-income list, 0.9994 at 0.72).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from pprl.encoded import FILTER_BITS
from pprl.errors import InputError


class Solver(enum.Enum):
    """From scored candidate pairs to decisions (`linkage.solvers`)."""

    GREEDY = "greedy"  # one-to-one
    MANY_TO_ONE = "many-to-one"  # each left record gets its best right record
    NONE = "none"  # every pair at or above the threshold


class BlockingMethod(enum.Enum):
    """Which pairs are compared at all (`linkage.blocking`)."""

    KEYS = "keys"  # the keyed blocking keys both encodings carry
    LSH = "lsh"  # Hamming LSH by bit sampling
    EXHAUSTIVE = "exhaustive"  # every pair


class ThresholdRule(enum.Enum):
    """A threshold that is not a number: chosen by the run (`linkage.auto_threshold`)."""

    AUTO = "auto"  # from the run's own scores: a mixture fitted by EM, else the stated one


DEFAULT_THRESHOLD = 0.75
DEFAULT_THRESHOLD_RULE = ThresholdRule.AUTO
REVIEW_BAND = (0.1, 0.9)  # decided-or-not pairs whose match probability lies here need a look
DEFAULT_SOLVER = Solver.MANY_TO_ONE
DEFAULT_BLOCKING = BlockingMethod.KEYS
DEFAULT_DEDUP_THRESHOLD = 0.75
DEFAULT_DUPLICATES_AT = 0.8


def threshold_for(
    given: float | None, encoding_threshold: float | None, default: float = DEFAULT_THRESHOLD
) -> float:
    """The threshold a run uses: the one given, else the one the encoding's schema states
    (both sides share it: it is part of the schema fingerprint), else the matcher's default.

    A hardened encoding scores on its own scale (a diffused filter's unrelated records score
    about 0.5, not near 0), so its schema states the threshold that fits it.
    """
    if given is not None:
        return float(given)
    return default if encoding_threshold is None else float(encoding_threshold)


def check_unit(value: float, name: str = "threshold") -> float:
    """A Dice value a caller gives (threshold, floor): a finite number in [0, 1].

    Said in so many words because NaN compares false with everything, so a range check
    written as `not 0 <= x <= 1` is the only kind that refuses it.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number within [0, 1]") from None
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        raise InputError(f"{name} must be within [0, 1], got {number}")
    return number


def threshold_rule(value) -> float | ThresholdRule | None:
    """A threshold as given at an edge: a number, "auto" (or the enum), or None (stated)."""
    if value is None or isinstance(value, ThresholdRule):
        return value
    if isinstance(value, str):
        if value.strip().lower() == ThresholdRule.AUTO.value:
            return ThresholdRule.AUTO
        try:
            value = float(value)
        except ValueError:
            raise InputError(f"threshold {value!r} is neither a number nor 'auto'") from None
    return check_unit(value)


DEFAULT_LSH_BANDS = 32
DEFAULT_LSH_BITS_PER_BAND = 20
DEFAULT_LSH_SEED = 20240601
MAX_LSH_BITS_PER_BAND = 64  # a band's sampled bits form one uint64 key


@dataclass(frozen=True)
class LSHOptions:
    """Bit-sampling LSH: `bands` passes of `bits_per_band` sampled positions each."""

    bands: int = DEFAULT_LSH_BANDS
    bits_per_band: int = DEFAULT_LSH_BITS_PER_BAND
    seed: int = DEFAULT_LSH_SEED

    def __post_init__(self) -> None:
        if not 1 <= self.bits_per_band <= MAX_LSH_BITS_PER_BAND or self.bands < 1:
            raise InputError("LSH needs bands >= 1 and 1 <= bits_per_band <= 64")

    def positions(self) -> np.ndarray:
        """int64[bands, bits_per_band]: distinct filter positions per band."""
        rng = np.random.default_rng(self.seed)
        return np.stack(
            [
                np.sort(rng.choice(FILTER_BITS, self.bits_per_band, replace=False))
                for _ in range(self.bands)
            ]
        ).astype(np.int64)

"""Which red warnings county civil affairs verifies together with the township (县级联合核查).

The rule (seed 000, article 25) is "at least 30 % of red cases". From each batch of n red
warnings exactly ceil(3n / 10) are selected (so one case selects one, and 10 select 3):
the fewest that satisfy the rule, since more would only shift work without being asked for.

The selection is a keyed ranking: each case's rank is HMAC-SHA256(seed, case id) and the
lowest ranks are taken. It depends only on the seed and the set of case ids (not on their
order), so anyone holding the seed, which is recorded with the batch, can check it, and
nobody can steer a particular case in or out without choosing the seed after seeing the ids.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

JOINT_SHARE_NUMERATOR, JOINT_SHARE_DENOMINATOR = 3, 10  # 30 %


def joint_count(cases: int) -> int:
    """ceil(30 % of `cases`) in integer arithmetic (no float rounding at exact multiples)."""
    return -(-cases * JOINT_SHARE_NUMERATOR // JOINT_SHARE_DENOMINATOR)


def select_for_joint_verification(case_ids: Iterable[str], seed: int) -> frozenset[str]:
    """The cases county civil affairs joins, chosen deterministically from `seed`."""
    unique = sorted(set(case_ids))
    key = seed.to_bytes(32, "big", signed=True)

    def rank(case_id: str) -> tuple[bytes, str]:
        return hmac.new(key, case_id.encode("utf-8"), hashlib.sha256).digest(), case_id

    return frozenset(sorted(unique, key=rank)[: joint_count(len(unique))])

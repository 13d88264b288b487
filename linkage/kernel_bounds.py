"""Layer 3 shared by both modes of the Dice kernel: the score and its exact bounds.

`dice` scores a pair; `may_reach` is the integer test of a common-bit count against a
threshold in fixed point; `min_partner_pop`/`max_partner_pop` are the exact length filter's
window (widened by one, never narrower than the exact bound); `first_at_least` finds a window's
edge in popcount-sorted rows. A leaf module: `linkage.kernel` and `linkage.kernel_topk` both
import it, and it imports neither.

Numba's on-disk cache of a kernel is keyed by the kernel's own file, so an edit here does not
invalidate the compiled kernels that inline these functions: after one, delete
`linkage/__pycache__/*.nbi` and `*.nbc`.
"""

from __future__ import annotations

import math

from numba import njit

GROUP = 4  # left rows per register block
RIGHT_TILE = 2048  # right rows per cache tile (256 KiB)
FIXED_BITS = 20
NO_LIMIT = 1 << 30


@njit(inline="always", nogil=True)
def dice(common, pa, pb):
    total = pa + pb
    if total == 0:
        return 0.0
    return 2.0 * common / total


@njit(inline="always", nogil=True)
def may_reach(common, total, t_fixed):
    # Integer test against t rounded down to 20 fractional bits (never stricter than t);
    # the few pairs passing it are scored exactly by dice.
    return (common << (FIXED_BITS + 1)) >= t_fixed * total


@njit(inline="always", nogil=True)
def min_partner_pop(pa, threshold):
    if threshold <= 0.0:
        return 0
    return max(0, int(math.ceil(threshold * pa / (2.0 - threshold))) - 1)


@njit(inline="always", nogil=True)
def max_partner_pop(pa, threshold):
    bound = pa * (2.0 - threshold) / threshold if threshold > 0.0 else NO_LIMIT
    if bound >= NO_LIMIT:  # tiny thresholds: no upper bound (and no int overflow)
        return NO_LIMIT
    return int(math.floor(bound)) + 1


@njit(inline="always", nogil=True)
def first_at_least(pops, lo, hi, value):
    while lo < hi:
        mid = (lo + hi) >> 1
        if pops[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo

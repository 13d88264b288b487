"""Blocking: which left rows are compared with which right rows.

Contract: blocking only ever *removes* comparisons. A pair outside every block is never scored,
so blocking may lower recall (a true match whose keys disagree is missed) but never precision:
every pair that is reported was scored by the kernel exactly as exhaustive comparison would
score it. `linkage.evaluation.pairs_completeness` and `reduction_ratio` measure the trade
against exhaustive comparison.

A blocking *pass* gives every row an optional uint64 key; rows with equal keys on both sides
form a block. Several passes are united (a pair is compared if any pass puts it in a block) and
repeated pairs are removed after scoring.

- keys: one pass per keyed blocking key the two encodings share (the keys are HMACs made by
  the departments; the matcher only tests equality).
- lsh: Hamming LSH by bit sampling: each pass samples `bits_per_band` filter positions (chosen
  from `seed`) and uses those bits as the key, so filters that differ in few bits collide in at
  least one band with high probability.
- exhaustive: one pass in which every row has key 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from linkage.options import BlockingMethod, LSHOptions
from pprl.encoded import EncodedDataset
from pprl.errors import InputError


@dataclass(frozen=True)
class BlockingPass:
    """One key per row on each side (`valid` False: the row takes no part in this pass)."""

    name: str
    left_keys: np.ndarray
    left_valid: np.ndarray
    right_keys: np.ndarray
    right_valid: np.ndarray


def key_passes(left: EncodedDataset, right: EncodedDataset) -> list[BlockingPass]:
    """One pass per blocking key present in both encodings (in the left manifest's order)."""
    shared = [name for name in left.manifest.blocking_keys if name in right.blocking]
    if not shared:
        raise InputError(
            "the encodings share no blocking keys; use --blocking lsh or --blocking exhaustive",
            path=f"{left.path} vs {right.path}",
        )
    return [BlockingPass(name, *left.blocking[name], *right.blocking[name]) for name in shared]


@njit(cache=True, nogil=True)
def _sample_bits(filters, positions):
    n = filters.shape[0]
    bands, width = positions.shape
    keys = np.zeros((bands, n), dtype=np.uint64)
    for b in range(bands):
        for i in range(n):
            key = np.uint64(0)
            for k in range(width):
                p = positions[b, k]
                bit = (filters[i, p >> 6] >> np.uint64(p & 63)) & np.uint64(1)
                key = (key << np.uint64(1)) | bit
            keys[b, i] = key
    return keys


def lsh_keys(filters: np.ndarray, options: LSHOptions) -> np.ndarray:
    """uint64[bands, n]: the sampled bits of every row, one key per band."""
    return _sample_bits(np.ascontiguousarray(filters), options.positions())


def lsh_passes(left: np.ndarray, right: np.ndarray, options: LSHOptions) -> list[BlockingPass]:
    lk, rk = lsh_keys(left, options), lsh_keys(right, options)
    lv, rv = np.ones(len(left), dtype=bool), np.ones(len(right), dtype=bool)
    return [BlockingPass(f"lsh{b}", lk[b], lv, rk[b], rv) for b in range(options.bands)]


def exhaustive_pass(n_left: int, n_right: int) -> BlockingPass:
    return BlockingPass(
        "exhaustive",
        np.zeros(n_left, dtype=np.uint64),
        np.ones(n_left, dtype=bool),
        np.zeros(n_right, dtype=np.uint64),
        np.ones(n_right, dtype=bool),
    )


def passes_for(
    method: BlockingMethod,
    left: EncodedDataset,
    right: EncodedDataset,
    lsh: LSHOptions | None = None,
) -> list[BlockingPass]:
    if method is BlockingMethod.KEYS:
        return key_passes(left, right)
    if method is BlockingMethod.LSH:
        return lsh_passes(left.filters, right.filters, lsh or LSHOptions())
    return [exhaustive_pass(len(left), len(right))]

"""Aligning bit signatures with plaintext values by frequency and by structure.

An encoded class (a year class, a surname class, a given-name class) has a signature: the
filter bits all its records set, i.e. the positions of the tokens they share. A plaintext value
of the reference (a year, a surname, a given name) has the tokens all its reference records
share, each setting a known number of positions (the schema is public). Classes and values
are aligned by
- size: a class's record count against the value's reference count (Poisson);
- signature size: the bits of the class's signature against the bits the value's shared
  tokens set (a one-character and a two-character given name differ);
- structure: two classes share bits exactly when their values share tokens (1985 and 1986
  share the ID's decade digits, 秀英 and 秀兰 share 秀): a quadratic assignment, improved from
  the frequency alignment by swaps.
"""

from __future__ import annotations

import numpy as np

from bloom.attacks.align import (
    linear_assignment,
    poisson_cost,
    qap_objective,
    qap_refine,
    rank_align,
)
from bloom.attacks.plain import TokenIndex


def shared_tokens(
    tokens: TokenIndex,
    values: np.ndarray,
    candidates: list,
    *,
    tau: float = 0.9,
    fields: set[str] | None = None,
    min_records: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """(bool[v, t'] tokens shared by >= tau of each candidate value's reference records,
    int[t'] positions each such token sets for sure) over the tokens that are shared by any."""
    index = {v: i for i, v in enumerate(candidates)}
    vid = np.array([index.get(v, -1) for v in values.tolist()], dtype=np.int64)
    keep = vid[tokens.row] >= 0
    if fields is not None:
        field_ok = np.array([f in fields for f, _ in tokens.feature_of], dtype=bool)
        keep &= field_ok[tokens.token] if field_ok.size else keep
    rows, toks, bits = tokens.row[keep], tokens.token[keep], tokens.bits[keep]
    v = vid[rows]
    sizes = np.bincount(vid[vid >= 0], minlength=len(candidates))
    if toks.size == 0:
        return np.zeros((len(candidates), 0), dtype=bool), np.zeros(0, dtype=np.int64)
    pair = v * tokens.n_tokens + toks
    uniq, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    pv, pt = uniq // tokens.n_tokens, uniq % tokens.n_tokens
    const = (counts >= tau * sizes[pv]) & (sizes[pv] >= min_records)
    # The positions a token sets in every record: the least over its records.
    least = np.full(uniq.size, 1 << 30, dtype=np.int64)
    np.minimum.at(least, inverse.ravel(), bits)
    shared = np.unique(pt[const])
    col = {t: i for i, t in enumerate(shared.tolist())}
    out = np.zeros((len(candidates), shared.size), dtype=bool)
    weight = np.zeros(shared.size, dtype=np.int64)
    for a, t, k in zip(pv[const].tolist(), pt[const].tolist(), least[const].tolist(), strict=True):
        out[a, col[t]] = True
        weight[col[t]] = max(weight[col[t]], k)
    return out, weight


def align_signatures(
    sigs: np.ndarray,
    sizes: np.ndarray,
    ref_counts: np.ndarray,
    ref_shared: np.ndarray,
    ref_weight: np.ndarray,
    *,
    structure: float | tuple[float, ...] = 1.0,
    sig_size: float = 1.0,
    max_quadratic: int = 300,
) -> np.ndarray:
    """Label (index into the reference values, -1: none) of each encoded class.

    `sigs`: bool[c, nbits] class signatures, `sizes`: their record counts (already on the
    reference's scale), `ref_counts`: reference count per value, `ref_shared`/`ref_weight`:
    from `shared_tokens`."""
    c, m = len(sizes), len(ref_counts)
    if c == 0 or m == 0:
        return np.full(c, -1, dtype=np.int64)
    label = rank_align(sizes, ref_counts)
    # The largest classes take part in the refined alignment; the rest keep their rank.
    top = np.lexsort((np.arange(c), -sizes))[: min(c, max_quadratic, m)]
    values = np.lexsort((np.arange(m), -ref_counts))[: min(m, 2 * len(top) + 10)]
    sig_bits = sigs[top].sum(axis=1).astype(float)
    ref_bits = (ref_shared[values] * ref_weight[None, :]).sum(axis=1).astype(float)
    cost = poisson_cost(sizes[top], ref_counts[values])
    if sig_size:
        # Collisions make a signature a little smaller than the bits its tokens set.
        expect = 1024.0 * (1.0 - np.exp(-ref_bits / 1024.0))
        cost = cost + sig_size * ((sig_bits[:, None] - expect[None, :]) ** 2) / (
            2.0 * (2.0 + 0.1 * expect[None, :]) ** 2
        )
    start = linear_assignment(cost)
    if structure is not None and np.any(np.asarray(structure) > 0) and len(top) > 1:
        a = _overlap(sigs[top])
        w = ref_shared[values].astype(float) * ref_weight[None, :]
        b = w @ ref_shared[values].T.astype(float)
        np.fill_diagonal(b, 0.0)
        b /= max(float(b.max()), 1.0)
        # A tuple of weights refines in stages: a light weight first settles the coarse
        # structure (decades) by frequency, heavier ones then settle the fine structure.
        # Local search ends in local optima, so a few schedules ending at the same weight
        # are run and the labelling with the best objective is kept (no truth needed).
        stages = structure if isinstance(structure, tuple) else (structure,)
        final = stages[-1]
        schedules = {stages}
        if len(stages) > 1:
            schedules |= {(stages[0] / 3, *stages[1:]), (stages[0], final / 3, final), (final,)}
        best, best_score = start, -np.inf
        for schedule in sorted(schedules):
            found = start
            for weight in schedule:
                found = qap_refine(a, b, cost, found, weight=weight)
            score = qap_objective(a, b, cost, found, final)
            if score > best_score:
                best, best_score = found, score
        start = best
    label[top] = values[start]
    # Classes outside the refined set take the free values by rank.
    used = set(label[top].tolist())
    in_top = set(top.tolist())
    rest = sorted((i for i in range(c) if i not in in_top), key=lambda i: (-sizes[i], i))
    free = [v for v in np.lexsort((np.arange(m), -ref_counts)).tolist() if v not in used]
    for j, i in enumerate(rest):
        label[i] = free[j] if j < len(free) else -1
    return label


def _overlap(sigs: np.ndarray) -> np.ndarray:
    f = sigs.astype(np.float32)
    a = (f @ f.T).astype(float)
    np.fill_diagonal(a, 0.0)
    return a

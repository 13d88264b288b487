"""Building blocks of the attacks: partitions, group statistics and alignment solvers.

- `components`: records linked by sharing a group in any of several columns (union-find by
  label propagation), e.g. every blocking key that contains the birth year.
- `group_sums` / `closure`: per group, how many records set each filter bit; the bits a group
  has (almost) always set are the tokens its records share.
- `rank_align`: the classic frequency alignment, i-th most frequent with i-th most frequent.
- `linear_assignment`: minimum-cost assignment (Hungarian, vectorised over columns).
- `qap_refine`: local search for a labelling that also agrees with structure (which encoded
  groups share bits versus which plaintext values share tokens): a quadratic assignment.
"""

from __future__ import annotations

import numpy as np


def dense_ids(values: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """int64[n] ids 0..g-1 of equal values (-1 where not valid)."""
    out = np.full(len(values), -1, dtype=np.int64)
    ok = np.ones(len(values), dtype=bool) if valid is None else valid
    if ok.any():
        _, inverse = np.unique(values[ok], return_inverse=True)
        out[ok] = inverse.ravel()
    return out


def components(groups: list[np.ndarray], n: int) -> np.ndarray:
    """Connected components of records that share a group id in any array (-1: in no group).

    Returns int64[n] component ids 0..c-1 numbered by first record, -1 for records that are in
    no group at all."""
    label = np.arange(n, dtype=np.int64)
    member = np.zeros(n, dtype=bool)
    for g in groups:
        member |= g >= 0
    for _ in range(200):
        before = label.copy()
        for g in groups:
            ok = g >= 0
            if not ok.any():
                continue
            low = np.full(int(g.max()) + 1, n, dtype=np.int64)
            np.minimum.at(low, g[ok], label[ok])
            label[ok] = np.minimum(label[ok], low[g[ok]])
        while True:  # pointer jumping: follow labels to their roots
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        if np.array_equal(before, label):
            break
    out = np.full(n, -1, dtype=np.int64)
    out[member] = dense_ids(label[member])
    return out


def group_sums(
    bits: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """(int32[g, nbits] bit counts, int64[g] sizes) over the records of each group (>= 0)."""
    ok = np.flatnonzero(groups >= 0)
    sizes = np.bincount(groups[ok], minlength=n_groups).astype(np.int64)
    sums = np.zeros((n_groups, bits.shape[1]), dtype=np.int32)
    if ok.size == 0:
        return sums, sizes
    order = ok[np.argsort(groups[ok], kind="stable")]
    g_sorted = groups[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    step = 20_000  # bound the temporary copy of the bit rows
    for lo in range(0, order.size, step):
        hi = min(order.size, lo + step)
        block = bits[order[lo:hi]].astype(np.int32)
        cut = starts[(starts >= lo) & (starts < hi)] - lo
        if cut.size == 0 or cut[0] != 0:
            cut = np.r_[0, cut]
        partial = np.add.reduceat(block, cut, axis=0)
        sums[g_sorted[lo + cut]] += partial
    return sums, sizes


def closure(sums: np.ndarray, sizes: np.ndarray, tau: float) -> np.ndarray:
    """bool[g, nbits]: the bits set in at least `tau` of a group's records."""
    return sums >= np.maximum(tau * sizes, 1)[:, None]


def rank_align(sizes: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Label of each group: the i-th largest group gets the i-th most frequent value
    (-1 when there are more groups than values). Ties break by index, so it is deterministic."""
    order_g = np.lexsort((np.arange(len(sizes)), -np.asarray(sizes, dtype=float)))
    order_v = np.lexsort((np.arange(len(expected)), -np.asarray(expected, dtype=float)))
    out = np.full(len(sizes), -1, dtype=np.int64)
    k = min(len(order_g), len(order_v))
    out[order_g[:k]] = order_v[:k]
    return out


def poisson_cost(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """cost[i, j]: negative Poisson log-likelihood of count i under mean j (up to a constant)."""
    obs = np.asarray(observed, dtype=float)[:, None]
    lam = np.maximum(np.asarray(expected, dtype=float)[None, :], 0.5)
    return lam - obs * np.log(lam)


def linear_assignment(cost: np.ndarray) -> np.ndarray:
    """For each row, its column in a minimum-cost assignment (rows <= columns: every row gets
    a distinct column; rows > columns: -1 for the rows left out). Hungarian method with
    potentials, O(rows * cols^2) with the inner loop over columns in NumPy."""
    cost = np.asarray(cost, dtype=float)
    if cost.size == 0:
        return np.full(cost.shape[0], -1, dtype=np.int64)
    if cost.shape[0] > cost.shape[1]:
        cols_of_rows = linear_assignment(cost.T)
        out = np.full(cost.shape[0], -1, dtype=np.int64)
        out[cols_of_rows] = np.arange(cost.shape[1])
        return out
    n, m = cost.shape
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=np.int64)  # p[j]: row (1-based) holding column j
    way = np.zeros(m + 1, dtype=np.int64)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            free = ~used[1:]
            cur = cost[i0 - 1] - u[i0] - v[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            masked = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(masked)) + 1
            delta = masked[j1 - 1]
            on = np.flatnonzero(used)
            u[p[on]] += delta
            v[on] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    out = np.full(n, -1, dtype=np.int64)
    cols = np.flatnonzero(p[1:] > 0)
    out[p[1:][cols] - 1] = cols
    return out


def qap_objective(a: np.ndarray, b: np.ndarray, c: np.ndarray, labels: np.ndarray, w: float):
    """w * sum_ij a[i,j] b[l_i, l_j] - sum_i c[i, l_i] for a full labelling (no -1)."""
    bp = b[np.ix_(labels, labels)]
    return w * float((a * bp).sum()) - float(c[np.arange(len(labels)), labels].sum())


def qap_refine(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    labels: np.ndarray,
    *,
    weight: float = 1.0,
    passes: int = 30,
) -> np.ndarray:
    """Improve an injective labelling (groups -> values) by pairwise swaps, maximising
    `weight * sum_ij a[i,j] b[l_i,l_j] - sum_i c[i,l_i]`. `a` (groups x groups) and `b`
    (values x values) must be symmetric with zero diagonals; values left unused take part
    through dummy groups, so a group can also move to a free value."""
    n, m = c.shape
    if n == 0:
        return labels.copy()
    assert n <= m and (labels >= 0).all() and len(set(labels.tolist())) == n
    size = m
    aa = np.zeros((size, size))
    aa[:n, :n] = a
    cc = np.zeros((size, m))
    cc[:n] = c
    # First, whole relabellings: each group's best value with the others held fixed, as one
    # linear assignment, repeated while it improves (escapes what single swaps cannot).
    best = labels.astype(np.int64).copy()
    best_score = qap_objective(a, b, c, best, weight)
    current = best.copy()
    for _ in range(passes):
        gain = 2.0 * weight * (a @ b[current])  # [group, value]
        nxt = linear_assignment(c - gain)
        score = qap_objective(a, b, c, nxt, weight)
        if score > best_score + 1e-9:
            best, best_score = nxt.copy(), score
        if np.array_equal(nxt, current):
            break
        current = nxt
    labels = best
    free = [v for v in range(m) if v not in set(labels.tolist())]
    lab = np.concatenate([labels, np.array(free, dtype=np.int64)]).astype(np.int64)
    for _ in range(passes):
        improved = False
        for i in range(n):
            bp = b[np.ix_(lab, lab)]
            # Swapping the labels of i and j changes the quadratic term by
            # 2 * sum_k (a[i,k] - a[j,k]) * (bp[j,k] - bp[i,k]) over k != i, j.
            da = aa[i][None, :] - aa
            db = bp - bp[i][None, :]
            s = (da * db).sum(axis=1)
            s -= (
                da[:, i] * db[:, i]
                + da[np.arange(size), np.arange(size)] * db[np.arange(size), np.arange(size)]
            )
            dq = 2.0 * s
            li = lab[i]
            dl = cc[i, lab] + cc[np.arange(size), li] - cc[i, li] - cc[np.arange(size), lab]
            gain = weight * dq - dl
            gain[i] = 0.0
            j = int(np.argmax(gain))
            if gain[j] > 1e-9:
                lab[i], lab[j] = lab[j], lab[i]
                improved = True
        if not improved:
            break
    return lab[:n]

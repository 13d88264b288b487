"""Frequent bit-pattern mining over a set of bit vectors, and given names from characters.

`mine_patterns` finds bit sets that many rows share (the positions of one token, or of tokens
that always occur together such as a character and its pinyin), greedily: from the most
frequent bit still unexplained, add the bit most often set with those chosen so far, keep
going while (almost) every supporting row still has it, then explain the pattern away in its
supporting rows and start again. A bit shared by two tokens (a collision) first narrows the
support to the more frequent token's rows. Noise bits do not co-occur and give no pattern.

Given names are then decoded the way Christen et al. re-identify values from identified
q-grams: each record's set of character patterns, labelled by frequency alignment, is looked
up among the reference's given names with exactly that set of characters.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from bloom.attacks.align import linear_assignment, poisson_cost, qap_refine, rank_align


def mine_patterns(
    rows: np.ndarray,
    *,
    min_support: int = 3,
    min_bits: int = 20,
    keep: float = 0.9,
    max_patterns: int = 3000,
    patience: int = 8,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(bool[nbits] pattern, bool[rows] support)] in the order found (it stops after
    `patience` rounds of candidate seeds without a pattern).

    Seeds are the pair of bits set together most often beyond what their frequencies
    explain (a frequent bit alone is most often a collision of several tokens); the pattern
    grows from the rows holding both."""
    r = rows.copy()
    nrows, nbits = r.shape
    if nrows == 0:
        return []
    f = r.astype(np.float32)
    co = f.T @ f  # co-occurrence counts, kept up to date as rows are explained
    counts = np.diag(co).copy()
    found: list[tuple[np.ndarray, np.ndarray]] = []
    failed = np.zeros((nbits, nbits), dtype=bool)
    misses = 0
    while len(found) < max_patterns:
        excess = co - np.outer(counts, counts) / nrows
        excess[np.tril_indices(nbits)] = -np.inf
        # A token's bits are set together in most rows that hold either of them.
        low = np.minimum(counts[:, None], counts[None, :])
        excess[failed | (co < min_support) | (co < 0.6 * low)] = -np.inf
        top = np.argpartition(excess.ravel(), -256)[-256:]
        top = top[np.argsort(-excess.ravel()[top])]
        top = top[excess.ravel()[top] >= min_support]
        if top.size == 0:
            break
        success = False
        for flat in top.tolist():
            b1, b2 = divmod(flat, nbits)
            attempt = _grow(r, b1, b2, min_support, min_bits, keep)
            if attempt is None:
                failed[b1, b2] = True
                continue
            pattern, support = attempt
            found.append((pattern, support))
            before = f[support]
            r[np.ix_(support, pattern)] = False
            after = r[support].astype(np.float32)
            co -= before.T @ before - after.T @ after
            counts = np.diag(co).copy()
            f[support] = after
            success = True
            break
        if not success:
            misses += 1
            if misses >= patience:
                break
        else:
            misses = 0
    return found


def _grow(r, b1, b2, min_support, min_bits, keep):
    chosen = [b1, b2]
    support = r[:, b1] & r[:, b2]
    while True:
        size = int(support.sum())
        if size < min_support:
            return None
        c = r[support].sum(axis=0)
        c[chosen] = -1
        nxt = int(np.argmax(c))
        # Narrow a mixed support (a pair that collides) in the first steps only.
        if c[nxt] >= keep * size or (len(chosen) < 3 and c[nxt] >= 0.6 * size):
            chosen.append(nxt)
            support &= r[:, nxt]
        else:
            break
    pattern = r[support].sum(axis=0) >= keep * size
    pattern[chosen] = True
    if pattern.sum() < min_bits:
        return None
    return pattern, support


def char_tables(ref_given: np.ndarray) -> tuple[list[str], np.ndarray, dict]:
    """Characters of the reference's given names with their record counts, and the most
    common given name for each set of characters."""
    per_char: Counter = Counter()
    by_set: dict = defaultdict(Counter)
    for v in ref_given.tolist():
        if v:
            chars = frozenset(v)
            per_char.update(chars)
            by_set[chars][v] += 1
    items = sorted(per_char.items(), key=lambda kv: (-kv[1], kv[0]))
    names = {k: c.most_common(1)[0][0] for k, c in by_set.items()}
    return [k for k, _ in items], np.array([c for _, c in items], dtype=np.int64), names


def label_chars(
    patterns: np.ndarray,
    counts: np.ndarray,
    chars: list[str],
    char_counts: np.ndarray,
    *,
    structure: float = 1.0,
    max_quadratic: int = 300,
) -> np.ndarray:
    """Index into `chars` for each character pattern: by count, then by structure (two
    characters with the same pinyin share the syllable's positions)."""
    c, m = len(counts), len(chars)
    label = rank_align(counts, char_counts)
    if c == 0 or m == 0:
        return label
    top = np.lexsort((np.arange(c), -counts))[: min(c, max_quadratic, m)]
    values = np.lexsort((np.arange(m), -char_counts))[: min(m, 2 * len(top) + 10)]
    cost = poisson_cost(counts[top], char_counts[values])
    start = linear_assignment(cost)
    if structure and len(top) > 1:
        f = patterns[top].astype(np.float32)
        a = (f @ f.T).astype(float)
        np.fill_diagonal(a, 0.0)
        reading = [_usual_reading(chars[v]) for v in values.tolist()]
        b = np.array([[float(x is not None and x == y) for y in reading] for x in reading])
        np.fill_diagonal(b, 0.0)
        start = qap_refine(a, b, cost, start, weight=structure)
    label[top] = values[start]
    used = set(label[top].tolist())
    in_top = set(top.tolist())
    rest = sorted((i for i in range(c) if i not in in_top), key=lambda i: (-counts[i], i))
    free = [v for v in np.lexsort((np.arange(m), -char_counts)).tolist() if v not in used]
    for j, i in enumerate(rest):
        label[i] = free[j] if j < len(free) else -1
    return label


def decode_given(hits: np.ndarray, label: np.ndarray, chars: list[str], names: dict) -> np.ndarray:
    """Per row (bool[r, patterns] of the character patterns it holds), the reference given
    name with exactly those characters (None: no such name)."""
    out = np.full(len(hits), None, dtype=object)
    for i in np.flatnonzero(hits.any(axis=1)).tolist():
        found = frozenset(chars[label[j]] for j in np.flatnonzero(hits[i]) if label[j] >= 0)
        out[i] = names.get(found)
    return out


def _usual_reading(ch: str) -> str | None:
    """A character's usual pinyin, from the public table the encoder also uses."""
    from bloom import pinyin_table

    table = pinyin_table.table()
    ids = table.lookup(np.array([ord(ch)]))[0]
    found = [table.syllables[i - 1] for i in ids.tolist() if i]
    return found[0] if found else None

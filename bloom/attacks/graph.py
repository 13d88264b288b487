"""Attack 3: similarity-graph matching (after Vidanage, Christen, Ranbaduge and Schnell,
"A graph matching attack on privacy-preserving record linkage", CIKM 2020).

Similarities between encodings mirror similarities between their plaintexts, whatever the
key. The attacker builds a similarity graph over a sample of encoded records (Dice of the
filters) and one over a sample of its reference, encoding the reference with the public
schema under a key of its own, so that the two graphs are drawn from the same distribution.
Every node gets features that do not depend on the key: its popcount, its sorted top
similarities, its degree at several thresholds, and the sizes of the blocking-key classes it
belongs to (frequencies the matcher sees on its side and the attacker counts in the
reference). Each encoded record is matched to the reference node with the nearest features,
and takes that person's attributes as the guess. Bounded: `nodes` sample nodes per side,
every encoded record compared with the encoded sample only.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pyarrow as pa

from bloom.attacks.context import AttackContext
from bloom.attacks.plain import ATTRIBUTES
from bloom.attacks.result import AttackResult

THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
TOP = 10


def _dice_features(rows: np.ndarray, sample: np.ndarray, self_index: np.ndarray) -> np.ndarray:
    """Features of each row against the sample: top similarities and degrees.

    `self_index[i]` is row i's position in the sample (-1: not in it), left out."""
    s = sample.astype(np.float32)
    pop_s = s.sum(axis=1)
    out = []
    for lo in range(0, len(rows), 5000):
        r = rows[lo : lo + 5000].astype(np.float32)
        inter = r @ s.T
        dice = 2.0 * inter / np.maximum(r.sum(axis=1)[:, None] + pop_s[None, :], 1.0)
        own = self_index[lo : lo + 5000]
        has = own >= 0
        dice[np.flatnonzero(has), own[has]] = -1.0
        top = -np.sort(-dice, axis=1)[:, :TOP]
        degrees = [(dice >= t).sum(axis=1) / dice.shape[1] for t in THRESHOLDS]
        out.append(np.column_stack([top, *degrees]))
    return np.concatenate(out) if out else np.zeros((0, TOP + len(THRESHOLDS)))


def _class_sizes_encoded(ctx: AttackContext) -> np.ndarray:
    cols = []
    for k in ctx.keys:
        g = ctx.groups[k.name]
        sizes = np.bincount(g[g >= 0]) if (g >= 0).any() else np.zeros(1)
        cols.append(np.where(g >= 0, np.log1p(sizes[np.maximum(g, 0)]), 0.0))
    return np.column_stack(cols) if cols else np.zeros((ctx.n, 0))


def _class_sizes_reference(ctx: AttackContext, rows: np.ndarray) -> np.ndarray:
    cols = []
    for k in ctx.keys:
        labels = ctx.ref_labels[k.name]
        counts = Counter(v for v in labels.tolist() if v is not None)
        sizes = [
            np.log1p(counts[v] * ctx.scale) if v is not None else 0.0 for v in labels[rows].tolist()
        ]
        cols.append(np.array(sizes))
    return np.column_stack(cols) if cols else np.zeros((len(rows), 0))


def _reference_filters(ctx: AttackContext, rows: np.ndarray) -> np.ndarray:
    """The reference sample encoded under the attacker's own key (the public encoder)."""
    from bloom.encoder import encode
    from bloom.secret import LinkageSecret

    table = pa.table(
        {
            f.name: pa.array(
                [None if v is None else str(v) for v in ctx.ref.raw[f.name][rows].tolist()],
                pa.string(),
            )
            for f in ctx.schema.fields
        }
    )
    result = encode(table, ctx.schema, LinkageSecret.generate())
    bits = np.zeros((len(rows), ctx.view.bits.shape[1]), dtype=bool)
    bits[result.source_rows] = np.unpackbits(result.clks, axis=1).astype(bool)
    return bits


def graph_attack(ctx: AttackContext, *, nodes: int = 2000, rng=None) -> AttackResult:
    start = time.perf_counter()
    rng = rng or np.random.default_rng(0)
    n = ctx.n
    result = AttackResult.empty("similarity graph", n)
    if n == 0 or ctx.ref.n == 0:
        return result
    m_enc = min(nodes, n)
    m_ref = min(nodes, ctx.ref.n)
    enc_sample = np.sort(rng.choice(n, m_enc, replace=False))
    ref_sample = np.sort(rng.choice(ctx.ref.n, m_ref, replace=False))
    bits = ctx.view.bits
    enc_self = np.full(n, -1, dtype=np.int64)
    enc_self[enc_sample] = np.arange(m_enc)
    enc_feat = _dice_features(bits, bits[enc_sample], enc_self)
    ref_bits = _reference_filters(ctx, ref_sample)
    ref_feat = _dice_features(ref_bits, ref_bits, np.arange(m_ref))
    # Degrees are shares of the sample, so samples of different sizes stay comparable.
    enc_x = np.column_stack(
        [ctx.view.popcounts / 100.0, enc_feat, _class_sizes_encoded(ctx)]
    ).astype(np.float64)
    ref_x = np.column_stack(
        [ref_bits.sum(axis=1) / 100.0, ref_feat, _class_sizes_reference(ctx, ref_sample)]
    ).astype(np.float64)
    mu = ref_x.mean(axis=0)
    sd = np.maximum(ref_x.std(axis=0), 1e-6)
    ex, rx = (enc_x - mu) / sd, (ref_x - mu) / sd
    match = np.empty(n, dtype=np.int64)
    rr = (rx * rx).sum(axis=1)
    for lo in range(0, n, 5000):
        e = ex[lo : lo + 5000]
        d = rr[None, :] - 2.0 * e @ rx.T
        match[lo : lo + 5000] = np.argmin(d, axis=1)
    for a in ATTRIBUTES:
        result.guesses[a] = ctx.ref_attr[a][ref_sample][match]
    result.notes["nodes"] = {"encoded": int(m_enc), "reference": int(m_ref)}
    result.seconds = time.perf_counter() - start
    return result

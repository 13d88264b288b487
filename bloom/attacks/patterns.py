"""Attack 2: pattern-mining cryptanalysis of the filters (after Christen, Ranbaduge,
Vatsalan and Schnell, "Precise and fast cryptanalysis for Bloom filter based privacy-preserving
record linkage", IEEE TKDE 2019), conditioned on the partitions the blocking keys reveal.

A token sets the same positions in every filter that holds it, so records that share a value
share a set of always-set positions (a frequent bit pattern). Mining is done inside the record
groups the keys give away, where a pattern is the set of bits (almost) every member sets:
1. year classes: their patterns are the year tokens (date part, the ID number's year digits);
   years are labelled by size and by structure (years of one decade share the ID's decade
   digits, which the reference's token sets show);
2. (year, sex) halves: what a half sets beyond its year is the sex token; the two sex
   patterns found across all years decode every record's sex;
3. (surname, year) groups: what they set beyond year and sex is the surname character and
   its pinyin; groups of one surname in different years have the same pattern, which links
   surname classes the keys alone leave apart; classes are labelled by size and structure
   (homophone surnames share the pinyin's bits);
4. whole-name groups: beyond surname and sex, what they set are the given name's characters
   with their syllables; across groups each character is a frequent bit pattern
   (`bloom.attacks.mining`), labelled by frequency, and a record's given name is the
   reference given name with exactly the characters it holds;
5. the two sex patterns are named by the reference's sex ratio against their sizes.
Birth month and day are not mined (see the README): the date guess is the reference's most
frequent date in the recovered year.
"""

from __future__ import annotations

import time

import numpy as np

from bloom.attacks.align import closure, dense_ids, group_sums
from bloom.attacks.context import AttackContext, ids_and_sizes
from bloom.attacks.frequency import most_common_date, value_counts
from bloom.attacks.result import AttackResult
from bloom.attacks.signatures import align_signatures, shared_tokens
from bloom.schema import FieldType

TAU = 0.9


def _fields(ctx: AttackContext, *kinds: FieldType) -> set[str]:
    return {f.name for f in ctx.schema.fields if f.type in kinds}


def _restricted(groups: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Group ids renumbered over the groups with at least `min_size` records (-1 others)."""
    ids, sizes = ids_and_sizes(groups)
    if len(sizes) == 0:  # no key reveals any group (e.g. no key joins whole names)
        return np.full(len(groups), -1, dtype=np.int64), ids
    big = sizes >= min_size
    keep = (ids >= 0) & big[np.maximum(ids, 0)]
    out = np.full(len(groups), -1, dtype=np.int64)
    out[keep] = dense_ids(ids[keep])
    return out, ids


def year_patterns(ctx: AttackContext, bits: np.ndarray):
    """(class ids, bool[c, nbits] patterns, sizes) of the year classes with >= 8 records."""
    years, _ = _restricted(ctx.year_classes, 8)
    if (years < 0).all():
        return years, np.zeros((0, bits.shape[1]), dtype=bool), np.zeros(0, dtype=np.int64)
    c = int(years.max()) + 1
    sums, sizes = group_sums(bits, years, c)
    return years, closure(sums, sizes, TAU), sizes


def label_years(ctx: AttackContext, patterns: np.ndarray, sizes: np.ndarray) -> list:
    ref_years = ctx.ref_attr["birth_year"]
    values, counts = value_counts(ref_years)
    fields = _fields(ctx, FieldType.DATE, FieldType.CN_ID)
    shared, weight = shared_tokens(ctx.ref.tokens, ref_years, values, fields=fields)
    label = align_signatures(
        patterns, sizes / ctx.scale, counts.astype(float), shared, weight, structure=(0.1, 1.0)
    )
    return [values[j] if j >= 0 else None for j in label]


def sex_patterns(ctx, bits, years, year_pat) -> tuple[np.ndarray, np.ndarray] | None:
    """The two sex patterns: bits a (year, sex) half sets beyond its year class."""
    halves, _ = _restricted(ctx.sex_year_groups, 6)
    ok = (halves >= 0) & (years >= 0)
    if not ok.any():
        return None
    h = np.where(ok, halves, -1)
    c = int(h.max()) + 1
    sums, sizes = group_sums(bits, h, c)
    year_of = np.full(c, -1, dtype=np.int64)
    year_of[h[ok]] = years[ok]
    res = closure(sums, sizes, TAU) & ~year_pat[year_of]
    res = res[sizes > 0]
    if len(res) < 2:
        return None
    count = res.sum(axis=0)
    b1 = int(np.argmax(count))
    with_b1 = res[res[:, b1]]
    sig_a = with_b1.mean(axis=0) >= 0.7
    others = res[(res & sig_a).sum(axis=1) < 0.3 * sig_a.sum()]
    if len(others) == 0:
        return None
    sig_b = (others.mean(axis=0) >= 0.7) & ~sig_a
    if sig_b.sum() == 0:
        return None
    return sig_a, sig_b


def contains(rows: np.ndarray, sigs: np.ndarray, share: float = 0.999) -> np.ndarray:
    """bool[r, s]: row r sets (almost) every bit of signature s."""
    need = np.maximum(np.ceil(share * sigs.sum(axis=1)), 1)
    out = np.zeros((len(rows), len(sigs)), dtype=bool)
    s = sigs.astype(np.float32).T
    for lo in range(0, len(rows), 20_000):
        block = rows[lo : lo + 20_000].astype(np.float32) @ s
        out[lo : lo + 20_000] = block >= need[None, :]
    return out


def surname_patterns(ctx, bits, years, year_pat, mask):
    """Surname classes (merged across years by equal patterns) and their patterns.

    Returns (class per record, bool[c, nbits] patterns, sizes)."""
    key = ctx.surname_key
    n = ctx.n
    none = (np.full(n, -1, dtype=np.int64), np.zeros((0, bits.shape[1]), dtype=bool), np.zeros(0))
    if key is None:
        return none
    groups, _ = _restricted(ctx.groups[key.name], 4)
    ok = (groups >= 0) & (years >= 0)
    if not ok.any():
        return none
    g = np.where(ok, groups, -1)
    g = np.where(g >= 0, dense_ids(g, g >= 0), -1)
    c = int(g.max()) + 1
    sums, sizes = group_sums(bits, g, c)
    year_of = np.full(c, -1, dtype=np.int64)
    year_of[g[ok]] = years[ok]
    res = closure(sums, sizes, 0.85) & ~year_pat[year_of] & ~mask[None, :]
    # Groups of one surname class (linked by the keys) agree; merge classes whose
    # patterns agree too (one surname in years no shared whole name links).
    cls = np.full(c, -1, dtype=np.int64)
    cls[g[ok]] = ctx.surname_classes[ok]
    cls_ids = dense_ids(cls, cls >= 0)
    k = int(cls_ids.max()) + 1
    weight_sums = np.zeros((k, bits.shape[1]))
    np.add.at(weight_sums, cls_ids, res * sizes[:, None])
    class_sizes = np.bincount(cls_ids, weights=sizes, minlength=k)
    pat = weight_sums >= 0.5 * class_sizes[:, None]
    pat &= pat.sum(axis=1, keepdims=True) >= 6
    inter = pat.astype(np.float32) @ pat.T.astype(np.float32)
    size = pat.sum(axis=1).astype(np.float32)
    union = size[:, None] + size[None, :] - inter
    same = (inter >= 0.6 * np.maximum(union, 1)) & (size[:, None] > 0)
    i, j = np.nonzero(np.triu(same, 1))
    merged = _edge_components(k, i, j, pat.any(axis=1))  # key surname class -> merged class
    # Per record: its merged class through its key surname class.
    sc = ctx.surname_classes
    cls_index = np.full(int(sc.max()) + 2 if sc.size else 1, -1, dtype=np.int64)
    known = cls >= 0
    cls_index[cls[known]] = merged[cls_ids[known]]
    per_record = np.where(sc >= 0, cls_index[np.maximum(sc, 0)], -1)
    m = int(merged.max()) + 1 if (merged >= 0).any() else 0
    w = np.zeros((m, bits.shape[1]))
    tot = np.zeros(m)
    has = merged >= 0
    np.add.at(w, merged[has], pat[has] * class_sizes[has, None])
    np.add.at(tot, merged[has], class_sizes[has])
    patterns = w >= 0.5 * np.maximum(tot, 1)[:, None]
    # A pattern of a few bits is a shared syllable, not a surname: not used to decode.
    patterns[patterns.sum(axis=1) < 15] = False
    # Every record holding a whole surname pattern has that surname (also records in groups
    # too small to mine); the largest pattern wins, the key class is the fallback.
    hit = contains(bits, patterns) & patterns.any(axis=1)[None, :]
    found = hit.any(axis=1)
    best = np.argmax(hit * patterns.sum(axis=1)[None, :], axis=1)
    per_record = np.where(found, best, per_record)
    counts = np.bincount(per_record[per_record >= 0], minlength=m)
    return per_record, patterns, counts


def _edge_components(k: int, i: np.ndarray, j: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Component id per node (-1 for inactive nodes) of the graph with edges (i, j)."""
    label = np.arange(k, dtype=np.int64)
    for _ in range(10_000):
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    out = np.full(k, -1, dtype=np.int64)
    out[active] = dense_ids(label[active])
    return out


def given_names(ctx, bits, surname_rec, surname_pat, mask) -> tuple[np.ndarray, dict]:
    """Given names per record from character patterns mined in whole-name groups.

    A whole-name group (one name reading) of three or more records sets, beyond its surname
    pattern and the sex pattern, its given name's characters and their syllables (plus
    bigrams and a little noise). Across groups, each character is a frequent bit pattern;
    every whole-name group is decoded by the character patterns its records all hold, and
    the characters, labelled by frequency, name the given name."""
    from bloom.attacks.mining import char_tables, decode_given, label_chars, mine_patterns

    n = ctx.n
    out = np.full(n, None, dtype=object)
    names, _ = _restricted(ctx.name_groups, 3)
    if (names < 0).all() or len(surname_pat) == 0:
        return out, {}
    c = int(names.max()) + 1
    sums, sizes = group_sums(bits, names, c)
    tau = np.where(sizes <= 4, 1.0, TAU)
    res = (sums >= np.maximum(tau * sizes, 1)[:, None]) & ~mask[None, :]
    sur = np.full(c, -1, dtype=np.int64)
    okr = names >= 0
    sur[names[okr]] = surname_rec[okr]
    has_sur = sur >= 0
    res[has_sur] &= ~surname_pat[sur[has_sur]]
    res = res[has_sur]  # surname bits left in would pose as a character
    found = mine_patterns(res, min_support=3, min_bits=20)
    if not found:
        return out, {}
    pats = np.stack([p for p, _ in found])
    # Decode every whole-name group, also those too small to mine, by what all its records set.
    all_names, _ = _restricted(ctx.name_groups, 1)
    g = int(all_names.max()) + 1
    gs, gsz = group_sums(bits, all_names, g)
    anded = gs >= np.maximum(gsz, 1)[:, None]
    hits = contains(anded, pats, share=0.9)
    counts = (hits * gsz[:, None]).sum(axis=0)
    chars, char_counts, by_set = char_tables(ctx.ref_attr["given_name"])
    label = label_chars(pats, counts / ctx.scale, chars, char_counts.astype(float))
    decoded = decode_given(hits, label, chars, by_set)
    ok = all_names >= 0
    out[ok] = decoded[all_names[ok]]
    return out, {"character_patterns": len(pats)}


def pattern_attack(ctx: AttackContext) -> AttackResult:
    start = time.perf_counter()
    n = ctx.n
    result = AttackResult.empty("pattern mining", n)
    g = result.guesses
    bits = ctx.view.bits
    ref = ctx.ref_attr
    nbits = bits.shape[1]
    name_fields = _fields(ctx, FieldType.CHINESE_NAME)

    years, year_pat, year_sizes = year_patterns(ctx, bits)
    if len(year_pat):
        labels = np.array(label_years(ctx, year_pat, year_sizes) + [None], dtype=object)
        g["birth_year"] = labels[np.where(years >= 0, years, len(labels) - 1)]
        result.notes["year_classes_mined"] = len(year_pat)
        result.notes["year_pattern_bits"] = float(year_pat.sum(axis=1).mean())
    mask = np.zeros(nbits, dtype=bool)
    sexes = sex_patterns(ctx, bits, years, year_pat) if len(year_pat) else None
    side = np.full(n, -1, dtype=np.int64)
    if sexes is not None:
        sig = np.stack(sexes)
        hit = contains(bits, sig)
        side[hit[:, 0] & ~hit[:, 1]] = 0
        side[hit[:, 1] & ~hit[:, 0]] = 1
        mask = sexes[0] | sexes[1]
        result.notes["sex_pattern_bits"] = [int(s.sum()) for s in sexes]

    yp = year_pat if len(year_pat) else np.zeros((1, nbits), dtype=bool)
    sur_rec, sur_pat, sur_counts = surname_patterns(ctx, bits, years, yp, mask)
    if len(sur_pat):
        values, counts = value_counts(ref["surname"])
        shared, weight = shared_tokens(ctx.ref.tokens, ref["surname"], values, fields=name_fields)
        label = align_signatures(
            sur_pat, sur_counts / ctx.scale, counts.astype(float), shared, weight,
            structure=1.0, sig_size=0.0,
        )  # fmt: skip
        table = np.array([values[j] if j >= 0 else None for j in label] + [None], dtype=object)
        g["surname"] = table[np.where(sur_rec >= 0, sur_rec, len(label))]
        result.notes["surname_classes_mined"] = len(sur_pat)

    given, notes = given_names(ctx, bits, sur_rec, sur_pat, mask)
    g["given_name"] = given
    result.notes.update(notes)
    full = [
        s + v if s is not None and v is not None else None
        for s, v in zip(g["surname"].tolist(), g["given_name"].tolist(), strict=True)
    ]
    g["full_name"] = np.array(full, dtype=object)

    if (side >= 0).any():
        g["sex"] = _name_sexes(ctx, side)
    g["birth_date"] = most_common_date(ref, g["birth_year"])
    result.seconds = time.perf_counter() - start
    return result


def _name_sexes(ctx: AttackContext, side: np.ndarray) -> np.ndarray:
    """Name the two sex patterns by the reference's sex ratio against the halves' sizes.

    The given names this attack decodes are not reliable enough to vote (their mistakes
    can lean to one sex), so only the sizes count here."""
    vote = sex_vote(ctx, side, [])
    out = np.full(len(side), None, dtype=object)
    out[side == 0] = "M" if vote > 0 else "F"
    out[side == 1] = "F" if vote > 0 else "M"
    return out


def sex_vote(ctx: AttackContext, side: np.ndarray, named: list) -> float:
    """Log-likelihood ratio of "side 0 is male" over "side 0 is female": the halves' sizes
    under the reference's male share, and names with their reference sex counts (each name's
    evidence capped, since a name is only as right as its alignment)."""
    ref_sex = ctx.ref_attr["sex"]
    males = int((ref_sex == "M").sum())
    known = max(int((ref_sex == "M").sum() + (ref_sex == "F").sum()), 1)
    p = min(max((males + 0.5) / (known + 1.0), 0.01), 0.99)
    n0, n1 = int((side == 0).sum()), int((side == 1).sum())
    vote = (n0 - n1) * float(np.log(p / (1 - p)))
    for s, c in named:
        q = min(max((c["M"] + 0.5) / (c["M"] + c["F"] + 1.0), 0.4), 0.6)
        vote += (1 if s == 0 else -1) * float(np.log(q / (1 - q)))
    return vote if vote != 0.0 else 1.0

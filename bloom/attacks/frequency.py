"""Attack 1: frequency alignment of the keyed blocking keys (after Vidanage, Ranbaduge,
Christen and Randall's attack on match-keys), using the key columns only, no filter bit.

Keyed blocking keys are deterministic: equal plaintext gives equal keys, so each key column is
a partition of the records into equality classes with their sizes. The attacker knows the
schema (which parts each key combines) and tabulates the same combinations in its reference.

1. Per column: the i-th largest class is labelled with the i-th most frequent combination
   (`combos`, scored per column in the report).
2. Joined columns: records sharing any year-bearing key share the birth year, so the
   components over those keys are the year classes, exactly; a key of (year, sex) then splits
   each year in two. Records sharing the surname key or the whole-name key share the surname
   reading, so those components are surname classes across all years. People of different
   years who share a whole name tell which half of each year is the same sex (a two-colouring
   of the (year, sex) classes); the sex of the best-known names labels the halves.
3. Classes are labelled by frequency: years by size, surname classes by size, and the
   whole-name classes inside a (surname, sex) class by size against the reference names with
   that surname reading and sex.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import numpy as np

from bloom.attacks.align import rank_align
from bloom.attacks.context import AttackContext, Role, ids_and_sizes
from bloom.attacks.result import AttackResult, given_from_full, surname_from_full


def value_counts(values: np.ndarray) -> tuple[list, np.ndarray]:
    counts = Counter(v for v in values.tolist() if v is not None)
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [k for k, _ in items], np.array([c for _, c in items], dtype=np.int64)


def label_groups(groups: np.ndarray, ref_values: np.ndarray) -> np.ndarray:
    """Rank alignment of a partition (int ids, -1 none) with reference values: per record."""
    ids, sizes = ids_and_sizes(groups)
    values, counts = value_counts(ref_values)
    out = np.full(len(groups), None, dtype=object)
    if not values or sizes.size == 0:
        return out
    lab = rank_align(sizes, counts)
    table = np.array([values[j] if j >= 0 else None for j in lab] + [None], dtype=object)
    out[:] = table[np.where(ids >= 0, ids, len(lab))]
    return out


def label_fragments(classes: np.ndarray, years: np.ndarray, ref_values: np.ndarray) -> np.ndarray:
    """Label classes that are fragments of a value spread over year classes (surname classes
    linked only where people of different years share a whole name).

    Two fragments of one surname never share a year class (a surname-and-year key is one
    group), so each (value, year) cell takes at most one fragment. With the expected size of
    a cell proportional to the value's frequency, the likelihood is highest when larger
    fragments take more frequent values: greedily, by size, each fragment takes the most
    frequent value whose cells in the fragment's years are still free."""
    out = np.full(len(classes), None, dtype=object)
    values, _ = value_counts(ref_values)
    ok = (classes >= 0) & (years >= 0)
    if not values or not ok.any():
        return out
    n_classes, n_years = int(classes.max()) + 1, int(years.max()) + 1
    sizes = np.bincount(classes[ok], minlength=n_classes)
    pairs = np.unique(classes[ok] * n_years + years[ok])
    years_of = np.split(pairs % n_years, np.flatnonzero(np.diff(pairs // n_years)) + 1)
    owner = pairs[np.r_[0, np.flatnonzero(np.diff(pairs // n_years)) + 1]] // n_years
    cells = dict(zip(owner.tolist(), years_of, strict=True))
    free = np.ones((len(values), n_years), dtype=bool)
    label = np.full(n_classes, -1, dtype=np.int64)
    for c in np.lexsort((np.arange(n_classes), -sizes)).tolist():
        if c not in cells:
            continue
        ys = cells[c]
        fits = np.flatnonzero(free[:, ys].all(axis=1))
        if fits.size:
            label[c] = fits[0]
            free[fits[0], ys] = False
    table = np.array([values[j] if j >= 0 else None for j in label] + [None], dtype=object)
    out[ok] = table[np.where(label[classes[ok]] >= 0, classes[ok], n_classes)]
    return out


def _text(v: bytes | None) -> str | None:
    return None if v is None else v.decode("utf-8")


def per_column(ctx: AttackContext) -> dict[str, np.ndarray]:
    return {k.name: label_groups(ctx.groups[k.name], ctx.ref_labels[k.name]) for k in ctx.keys}


def sex_sides(ctx: AttackContext) -> tuple[np.ndarray, np.ndarray]:
    """(side[n] in {0, 1, -1}, year class of each record) from the (year, sex) key, with the
    two halves of every year oriented alike through shared whole names."""
    n = ctx.n
    years = ctx.year_classes
    sy = ctx.sex_year_groups
    side = np.full(n, -1, dtype=np.int64)
    if (sy < 0).all():
        return side, years
    ids, sizes = ids_and_sizes(sy)
    # Within each year class, the larger (year, sex) group is side 0 to start with.
    year_of_group = np.full(len(sizes), -1, dtype=np.int64)
    ok = (ids >= 0) & (years >= 0)
    year_of_group[ids[ok]] = years[ok]
    order = np.lexsort((-sizes, year_of_group))
    rank = np.zeros(len(sizes), dtype=np.int64)
    prev, r = None, 0
    for g in order.tolist():
        r = r + 1 if year_of_group[g] == prev else 0
        prev = year_of_group[g]
        rank[g] = min(r, 1)
    side[ids >= 0] = rank[ids[ids >= 0]]
    names = ctx.name_groups
    use = (side >= 0) & (names >= 0) & (years >= 0)
    if not use.any():
        return side, years
    y, g, s = years[use], names[use], side[use]
    n_years = int(years.max()) + 1
    n_names = int(names.max()) + 1
    flip = np.zeros(n_years, dtype=np.int64)
    for _ in range(30):
        eff = s ^ flip[y]
        vote = np.bincount(g, weights=1.0 - 2.0 * eff, minlength=n_names)
        orient = np.sign(vote)  # +1: the name is mostly on side 0
        agree = np.bincount(y, weights=orient[g] * (1.0 - 2.0 * s), minlength=n_years)
        new = (agree < 0).astype(np.int64)
        if np.array_equal(new, flip):
            break
        flip = new
    out = side.copy()
    has = (side >= 0) & (years >= 0)
    out[has] = side[has] ^ flip[years[has]]
    return out, years


def _reading_prefix(reading: bytes, surname: bytes) -> bool:
    return reading == surname or reading.startswith(surname + b" ")


def align_names(
    ctx: AttackContext,
    surname_label: np.ndarray,
    sex_label: np.ndarray | None,
) -> np.ndarray:
    """Per record, the whole-name reading guessed by rank inside (surname reading, sex)."""
    n = ctx.n
    out = np.full(n, None, dtype=object)
    ref_reading = ctx.ref_name_part
    if ref_reading is None or ctx.name_key is None:
        return out
    ref_sex = ctx.ref_attr["sex"]
    by_reading_sex: dict = defaultdict(Counter)
    for r, s in zip(ref_reading.tolist(), ref_sex.tolist(), strict=True):
        if r is not None:
            by_reading_sex[r][s] += 1
    pools: dict = defaultdict(list)
    for r, c in by_reading_sex.items():
        sex = c.most_common(1)[0][0] if sex_label is not None else None
        first = r.split(b" ", 1)[0]
        pools[(first, sex)].append((sum(c.values()), r))
    for key in pools:
        pools[key].sort(key=lambda t: (-t[0], t[1]))
    names = ctx.name_groups
    ids, sizes = ids_and_sizes(names)
    if sizes.size == 0:
        return out
    # Each whole-name group's surname label and sex label: the most common among its records.
    cells: dict = defaultdict(list)
    group_records: dict = defaultdict(list)
    for i in np.flatnonzero(ids >= 0).tolist():
        group_records[int(ids[i])].append(i)
    for g, rows in group_records.items():
        sl = Counter(surname_label[rows].tolist()).most_common(1)[0][0]
        if sl is None:
            continue
        sx = None
        if sex_label is not None:
            sx = Counter(sex_label[rows].tolist()).most_common(1)[0][0]
        cells[(sl, sx)].append(g)
    for key, groups in cells.items():
        surname, sx = key
        first = surname.split(b"\x1f")[0]
        pool = pools.get((first, sx), [])
        if not pool:
            continue
        groups.sort(key=lambda g: (-sizes[g], g))
        for g, (_, reading) in zip(groups, pool, strict=False):
            out[group_records[g]] = reading
    return out


def frequency_attack(ctx: AttackContext) -> AttackResult:
    start = time.perf_counter()
    n = ctx.n
    result = AttackResult.empty("frequency alignment", n)
    result.combos = per_column(ctx)
    for k in ctx.keys:
        values, _ = value_counts(ctx.ref_labels[k.name])
        if values:
            result.combo_common[k.name] = values[0]
    g = result.guesses
    ref = ctx.ref_attr

    # Birth year: the year classes (exact partition), labelled by size.
    years = ctx.year_classes
    if (years >= 0).any():
        g["birth_year"] = label_groups(years, ref["birth_year"])
        result.notes["year_classes"] = int(years.max()) + 1
    else:  # no year-bearing key: nothing to say
        pass

    # Surname classes across years, labelled by size with the reference surname readings.
    surname_label = np.full(n, None, dtype=object)
    ref_surname = ctx.ref_surname_part
    if ref_surname is not None and (ctx.surname_classes >= 0).any():
        surname_label = label_fragments(ctx.surname_classes, years, ref_surname)
        char_of = ctx.most_common_value(ref_surname, ref["surname"])
        g["surname"] = np.array([char_of.get(v) for v in surname_label.tolist()], dtype=object)
        result.notes["surname_classes"] = int(ctx.surname_classes.max()) + 1

    # Sex: the (year, sex) halves oriented through shared names, labelled by the names' sex.
    side, _ = sex_sides(ctx)
    full_of = (
        ctx.most_common_value(ctx.ref_name_part, ref["full_name"])
        if (ctx.ref_name_part is not None)
        else {}
    )
    readings = align_names(ctx, surname_label, None)
    if (side >= 0).any():
        from bloom.attacks.patterns import sex_vote

        by_reading = _sex_counts(ctx)
        named = [(s, by_reading[r]) for s, r in zip(side.tolist(), readings.tolist(), strict=True)
                 if s >= 0 and r in by_reading]  # fmt: skip
        vote = sex_vote(ctx, side, named)
        zero = "M" if vote > 0 else "F"
        one = "F" if zero == "M" else "M"
        sex = np.full(n, None, dtype=object)
        sex[side == 0] = zero
        sex[side == 1] = one
        g["sex"] = sex
        readings = align_names(ctx, surname_label, sex)
    elif ctx.key(Role.SEX):
        key = ctx.key(Role.SEX)[0]
        pos = [r is Role.SEX for r in key.roles].index(True)
        g["sex"] = np.array(
            [None if c is None else _text(c.split(b"\x1f")[pos]) for c in result.combos[key.name]],
            dtype=object,
        )
    g["full_name"] = np.array([full_of.get(r) for r in readings.tolist()], dtype=object)
    g["given_name"] = given_from_full(g["full_name"])
    if all(v is None for v in g["surname"].tolist()):
        g["surname"] = surname_from_full(g["full_name"])

    # Birth date: nothing in the keys; the most common reference date of the guessed year.
    g["birth_date"] = most_common_date(ref, g["birth_year"])
    result.seconds = time.perf_counter() - start
    return result


def _sex_counts(ctx: AttackContext) -> dict:
    counts: dict = defaultdict(Counter)
    for r, s in zip(ctx.ref_name_part.tolist(), ctx.ref_attr["sex"].tolist(), strict=True):
        if r is not None and s is not None:
            counts[r][s] += 1
    return counts


def most_common_date(ref: dict[str, np.ndarray], years: np.ndarray) -> np.ndarray:
    best: dict = {}
    counts: dict = defaultdict(Counter)
    for d in ref["birth_date"].tolist():
        if d is not None:
            counts[d[:4]][d] += 1
    for y, c in counts.items():
        best[y] = c.most_common(1)[0][0]
    return np.array([best.get(y) if y else None for y in years.tolist()], dtype=object)

"""The corruption model: the errors real registries contain, at configurable rates.

Every kind of error is an independent Bernoulli draw per record among the records it can
apply to (its *eligible* records, e.g. only minority names can lose their `·`). The result
keeps, per kind, the mask of records it was applied to, so tests can check the rates and
users can study which errors their linkage survives. Rates are per record and per kind.

The defaults (`CorruptionRates()`) are modest illustrative rates, listed in
`datasets/synthetic/README.md`; set them to what your own registries show.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from pprl.errors import InputError
from pprl_synthetic import idnumber, tables
from pprl_synthetic.formats import DateStyle
from pprl_synthetic.population import MIDDLE_DOT, PopulationConfig, addresses, mobile_numbers

DOT_VARIANTS = (".", "•", "", " ", "・")
ID_CHARS = "0123456789X"


@dataclass(frozen=True)
class CorruptionRates:
    """Per-record probability of each kind of error, among the records it can apply to."""

    name_homophone: float = 0.03  # one character replaced by another with the same pinyin
    name_traditional: float = 0.01  # written with traditional characters
    surname_polyphonic: float = 0.2  # polyphonic surname written as its common reading
    name_dot_variant: float = 0.2  # minority names: `·` dropped or mistyped
    name_swapped: float = 0.01  # surname and given name in the wrong order (names with both)
    name_missing: float = 0.002
    id_legacy15: float = 0.05  # people born before 1982: the old 15-digit number
    id_digit_typo: float = 0.01  # one of the first 17 digits mistyped
    id_transposition: float = 0.005  # two adjacent different digits swapped
    id_wrong_check: float = 0.005  # check character wrong
    id_missing: float = 0.01
    sex_missing: float = 0.01
    birth_date_missing: float = 0.02
    birth_date_other_format: float = 0.03  # a date style other than the department's own
    phone_changed: float = 0.10  # a different, newer number
    phone_missing: float = 0.05
    address_changed: float = 0.08  # moved within the county
    address_missing: float = 0.03
    duplicate: float = 0.01  # the same person entered twice in one extract

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"corruption rate {f.name} must be in [0, 1], got {v}")

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    @classmethod
    def none(cls) -> CorruptionRates:
        return cls(**{f.name: 0.0 for f in dataclasses.fields(cls)})


@dataclass
class Records:
    """Identity values of one extract's rows before formatting (None / NaT = missing)."""

    name: np.ndarray  # object
    surname: np.ndarray  # object (for name edits only, not written)
    given: np.ndarray  # object
    minority: np.ndarray  # bool
    id_number: np.ndarray  # object str
    sex: np.ndarray  # uint8, 0 = missing
    birth_date: np.ndarray  # datetime64[D]
    date_style: np.ndarray  # int8 index into DATE_STYLES, -1 = the department's own
    address: np.ndarray  # object
    phone: np.ndarray  # object
    region: np.ndarray  # int32 residence, for moving within the county


DATE_STYLES = tuple(DateStyle)


def _draw(rng: np.random.Generator, rate: float, eligible: np.ndarray) -> np.ndarray:
    return (rng.random(len(eligible)) < rate) & eligible


def _swap_name(surname: str, given: str, minority: bool) -> str:
    return surname + MIDDLE_DOT + given if minority else given + surname


def corrupt(
    rng: np.random.Generator, rec: Records, rates: CorruptionRates, own_style: DateStyle
) -> dict[str, np.ndarray]:
    """Apply the errors in place; return, per kind, the mask of records changed."""
    n = len(rec.name)
    han = ~rec.minority
    applied: dict[str, np.ndarray] = {}

    # Names: surname reading, then single characters, then script, separator and order.
    poly = tables.polyphonic_surnames()
    m = _draw(rng, rates.surname_polyphonic, han & np.isin(rec.surname, list(poly)))
    for i in np.flatnonzero(m):
        rec.surname[i] = poly[rec.surname[i]]
    applied["surname_polyphonic"] = m

    homo = tables.homophones()
    m = _draw(rng, rates.name_homophone, han)
    picks = rng.random((n, 2))
    for i in np.flatnonzero(m):
        full = rec.surname[i] + rec.given[i]
        spots = [k for k, ch in enumerate(full) if ch in homo]
        if not spots:
            m[i] = False
            continue
        k = spots[int(picks[i, 0] * len(spots))]
        options = homo[full[k]]
        full = full[:k] + options[int(picks[i, 1] * len(options))] + full[k + 1 :]
        cut = len(rec.surname[i])
        rec.surname[i], rec.given[i] = full[:cut], full[cut:]
    applied["name_homophone"] = m

    trad = tables.traditional()
    m = _draw(rng, rates.name_traditional, han)
    for i in np.flatnonzero(m):
        s = "".join(trad.get(c, c) for c in rec.surname[i])
        g = "".join(trad.get(c, c) for c in rec.given[i])
        if s + g == rec.surname[i] + rec.given[i]:
            m[i] = False
        rec.surname[i], rec.given[i] = s, g
    applied["name_traditional"] = m

    swapped = _draw(rng, rates.name_swapped, rec.surname != "")
    applied["name_swapped"] = swapped
    dot = _draw(rng, rates.name_dot_variant, rec.minority)
    applied["name_dot_variant"] = dot
    variant = rng.integers(0, len(DOT_VARIANTS), n)
    for i in np.flatnonzero(
        applied["surname_polyphonic"]
        | applied["name_homophone"]
        | applied["name_traditional"]
        | swapped
        | dot
    ):
        if swapped[i]:
            name = _swap_name(rec.surname[i], rec.given[i], bool(rec.minority[i]))
        elif rec.minority[i]:
            name = rec.given[i] + MIDDLE_DOT + rec.surname[i]
        else:
            name = rec.surname[i] + rec.given[i]
        if dot[i]:
            name = name.replace(MIDDLE_DOT, DOT_VARIANTS[variant[i]])
        rec.name[i] = name
    m = _draw(rng, rates.name_missing, np.ones(n, dtype=bool))
    rec.name[m] = None
    applied["name_missing"] = m

    _corrupt_ids(rng, rec, rates, applied)

    m = _draw(rng, rates.sex_missing, np.ones(n, dtype=bool))
    rec.sex[m] = 0
    applied["sex_missing"] = m
    m = _draw(rng, rates.birth_date_missing, np.ones(n, dtype=bool))
    rec.birth_date[m] = np.datetime64("NaT")
    applied["birth_date_missing"] = m
    m = _draw(rng, rates.birth_date_other_format, ~applied["birth_date_missing"])
    own = DATE_STYLES.index(own_style)
    other = (own + rng.integers(1, len(DATE_STYLES), n)) % len(DATE_STYLES)
    rec.date_style[m] = other[m]
    applied["birth_date_other_format"] = m

    has_phone = np.array([p is not None for p in rec.phone], dtype=bool)
    m = _draw(rng, rates.phone_changed, has_phone)
    fresh = mobile_numbers(rng, n)
    rec.phone[m] = fresh[m].astype(str).astype(object)
    applied["phone_changed"] = m
    m = _draw(rng, rates.phone_missing, has_phone)
    rec.phone[m] = None
    applied["phone_missing"] = m

    m = _draw(rng, rates.address_changed, np.ones(n, dtype=bool))
    if m.any():
        moved = addresses(rng, PopulationConfig(), rec.region[m])
        same = moved == rec.address[m]
        rec.address[m] = moved
        m[np.flatnonzero(m)[same]] = False
    applied["address_changed"] = m
    m = _draw(rng, rates.address_missing, np.ones(n, dtype=bool))
    rec.address[m] = None
    applied["address_missing"] = m
    return applied


def _corrupt_ids(
    rng: np.random.Generator, rec: Records, rates: CorruptionRates, applied: dict[str, np.ndarray]
) -> None:
    n = len(rec.id_number)
    born = rec.birth_date.astype("datetime64[Y]").astype(np.int64) + 1970
    legacy = _draw(rng, rates.id_legacy15, born < 1982)
    for i in np.flatnonzero(legacy):
        rec.id_number[i] = idnumber.legacy15(rec.id_number[i])
    applied["id_legacy15"] = legacy
    modern = ~legacy
    pos = rng.integers(0, 17, n)
    delta = rng.integers(1, 10, n)
    typo = _draw(rng, rates.id_digit_typo, modern)
    for i in np.flatnonzero(typo):
        s = rec.id_number[i]
        k = int(pos[i])
        rec.id_number[i] = s[:k] + str((int(s[k]) + int(delta[i])) % 10) + s[k + 1 :]
    applied["id_digit_typo"] = typo
    trans = _draw(rng, rates.id_transposition, modern)
    start = rng.integers(0, 16, n)
    for i in np.flatnonzero(trans):
        s = rec.id_number[i]
        spots = [k for k in range(16) if s[k] != s[k + 1]]
        k = spots[int(start[i]) % len(spots)]  # a valid number always has two different digits
        rec.id_number[i] = s[:k] + s[k + 1] + s[k] + s[k + 2 :]
    applied["id_transposition"] = trans
    wrong = _draw(rng, rates.id_wrong_check, modern)
    for i in np.flatnonzero(wrong):
        s = rec.id_number[i]
        rec.id_number[i] = s[:17] + ID_CHARS[(ID_CHARS.index(s[17]) + int(delta[i])) % 11]
    applied["id_wrong_check"] = wrong
    m = _draw(rng, rates.id_missing, np.ones(n, dtype=bool))
    rec.id_number[m] = None
    applied["id_missing"] = m

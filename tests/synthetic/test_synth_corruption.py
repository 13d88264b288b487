"""Each kind of error appears at its configured rate among the records it can apply to, and
changes the value in the way it claims to."""

import dataclasses
import math

import numpy as np
import opencc
import pytest
from pypinyin import Style, pinyin

from pprl.errors import InputError
from pprl_synthetic import idnumber, tables
from pprl_synthetic.corruption import CorruptionRates, corrupt
from pprl_synthetic.formats import DateStyle
from pprl_synthetic.generate import chunk_rng
from pprl_synthetic.population import MIDDLE_DOT, PopulationConfig, generate_households
from pprl_synthetic.rows import records_of

RATE = 0.25
POP = generate_households(chunk_rng(3, 0, 0), PopulationConfig(), 30_000, 0, 0)
HOMO = tables.homophones()
TRAD = tables.traditional()
POLY = tables.polyphonic_surnames()
T2S = opencc.OpenCC("t2s")


def _any_char_in(rec, table):
    pairs = zip(rec.surname, rec.given, strict=True)
    return np.array([any(c in table for c in s + g) for s, g in pairs], dtype=bool)


def _eligible(kind, rec):
    han = ~rec.minority
    everyone = np.ones(len(rec.name), dtype=bool)
    has_phone = np.array([p is not None for p in rec.phone])
    born = rec.birth_date.astype("datetime64[Y]").astype(int) + 1970
    return {
        "surname_polyphonic": han & np.isin(rec.surname, list(POLY)),
        "name_homophone": han & _any_char_in(rec, HOMO),
        "name_traditional": han & _any_char_in(rec, TRAD),
        "name_dot_variant": rec.minority.copy(),
        "id_legacy15": born < 1982,
        "name_swapped": rec.surname != "",
        "phone_changed": has_phone,
        "phone_missing": has_phone,
    }.get(kind, everyone)


def _differs_at(a, b):
    return [k for k in range(max(len(a), len(b))) if k >= len(a) or k >= len(b) or a[k] != b[k]]


def _check_value(kind, before, after, i):
    old_name, new_name = before.name[i], after.name[i]
    old_id, new_id = before.id_number[i], after.id_number[i]
    if kind == "name_homophone":
        assert len(_differs_at(old_name, new_name)) == 1
        k = _differs_at(old_name, new_name)[0]
        tone = Style.TONE3
        assert pinyin(old_name[k], style=tone)[0] == pinyin(new_name[k], style=tone)[0]
    elif kind == "name_traditional":
        assert new_name != old_name and T2S.convert(new_name) == old_name
    elif kind == "surname_polyphonic":
        assert new_name == POLY[before.surname[i]] + before.given[i]
    elif kind == "name_dot_variant":
        assert MIDDLE_DOT not in new_name
    elif kind == "name_swapped":
        expected = (
            before.surname[i] + MIDDLE_DOT + before.given[i]
            if before.minority[i]
            else before.given[i] + before.surname[i]
        )
        assert new_name == expected
    elif kind == "id_legacy15":
        assert len(new_id) == 15 and idnumber.upgrade15(new_id) == old_id
    elif kind == "id_digit_typo":
        assert len(_differs_at(old_id[:17], new_id[:17])) == 1 and new_id[17] == old_id[17]
        assert not idnumber.is_valid_reference(new_id)
    elif kind == "id_transposition":
        d = _differs_at(old_id, new_id)
        assert len(d) == 2 and d[1] == d[0] + 1 and sorted(old_id) == sorted(new_id)
    elif kind == "id_wrong_check":
        assert new_id[:17] == old_id[:17] and not idnumber.is_valid_reference(new_id)
    elif kind.endswith("_missing"):
        field = kind.removesuffix("_missing")
        value = getattr(after, "id_number" if field == "id" else field)[i]
        assert value is None or value == 0 or np.isnat(value)
    elif kind == "birth_date_other_format":
        assert after.date_style[i] not in (-1, list(DateStyle).index(DateStyle.ISO))
    elif kind == "phone_changed":
        assert after.phone[i] != before.phone[i] and len(after.phone[i]) == 11
    elif kind == "address_changed":
        reg = tables.regions()
        r = before.region[i]
        assert after.address[i] != before.address[i]
        assert after.address[i].startswith(reg.province[r] + reg.prefecture[r] + reg.county[r])


KINDS = [f.name for f in dataclasses.fields(CorruptionRates) if f.name != "duplicate"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_error_at_its_rate_and_of_its_kind(kind):
    rates = dataclasses.replace(CorruptionRates.none(), **{kind: RATE})
    before = records_of(POP)
    after = records_of(POP)
    applied = corrupt(np.random.default_rng(9), after, rates, DateStyle.ISO)
    eligible = _eligible(kind, before)
    n = int(eligible.sum())
    assert n > 200, "too few eligible records for a rate test"
    observed = applied[kind][eligible].mean()
    # Tolerance: 4 binomial standard errors.
    assert abs(observed - RATE) < 4 * math.sqrt(RATE * (1 - RATE) / n), observed
    assert not applied[kind][~eligible].any()
    for other, mask in applied.items():
        if other != kind:
            assert not mask.any(), other
    for i in np.flatnonzero(applied[kind])[:300]:
        _check_value(kind, before, after, i)
    untouched = ~applied[kind]
    assert (after.name[untouched] == before.name[untouched]).all()
    assert (after.id_number[untouched] == before.id_number[untouched]).all()


def test_zero_rates_change_nothing():
    before = records_of(POP)
    after = records_of(POP)
    applied = corrupt(np.random.default_rng(1), after, CorruptionRates.none(), DateStyle.ISO)
    assert not any(m.any() for m in applied.values())
    for field in ("name", "id_number", "address", "phone"):
        assert (getattr(after, field) == getattr(before, field)).all()


def test_rates_outside_zero_one_are_refused():
    with pytest.raises(InputError, match="name_homophone"):
        CorruptionRates(name_homophone=1.5)

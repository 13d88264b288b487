"""The population looks like the one it imitates: surnames, given names, minorities, ages."""

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pprl_synthetic import tables
from pprl_synthetic.generate import chunk_rng
from pprl_synthetic.population import (
    MALE,
    MIDDLE_DOT,
    PopulationConfig,
    Role,
    generate_households,
    sample_ages,
)

N = 200_000


def _population(n=N, seed=11, cfg=None):
    return generate_households(chunk_rng(seed, 0, 0), cfg or PopulationConfig(), n, 0, 0)


POP = _population()
HAN = ~POP.minority & (POP.surname != "")  # `·` and Mongolian names excluded


def test_surname_table_matches_the_census_figures():
    sn = tables.surnames()
    share = dict(zip(sn.names.tolist(), sn.probabilities.tolist(), strict=True))
    for s in "王李张刘陈":
        assert 0.045 <= share[s] <= 0.075
    assert abs(sum(sn.probabilities[:100]) - 0.85) < 0.001


def test_surname_distribution_matches_the_table():
    """Tolerance: each of the top 10 within 0.4 percentage points (about 4 standard errors
    at 200k people clustered in households), total variation distance below 0.02."""
    han = HAN
    counts = Counter(POP.surname[han].tolist())
    n = int(han.sum())
    sn = tables.surnames()
    for name, p in zip(sn.names[:10], sn.probabilities[:10], strict=True):
        assert abs(counts[name] / n - p) < 0.004, name
    observed = np.array([counts[s] / n for s in sn.names])
    assert 0.5 * np.abs(observed - sn.probabilities).sum() < 0.02
    top100 = observed[:100].sum()
    assert abs(top100 - 0.85) < 0.01


def test_given_names_depend_on_era_and_collide():
    han = HAN
    year = POP.birth_date.astype("datetime64[Y]").astype(int) + 1970
    one_char = np.array([len(g) == 1 for g in POP.given], dtype=bool)
    young = han & (year >= 2000)
    middle = han & (year >= 1970) & (year < 1990)
    # Configured single-character shares: 8 % after 2000, 28 % in 1970-1989.
    assert abs(one_char[young].mean() - 0.08) < 0.015
    assert abs(one_char[middle].mean() - 0.28) < 0.02
    names = Counter(POP.name[han].tolist())
    assert names.most_common(1)[0][1] > 40  # realistic collisions (many 张伟, 王伟...)
    assert all(1 <= len(g) <= 2 for g in POP.given[han])


def test_minority_names_only_in_xinjiang_at_the_configured_share():
    reg = tables.regions()
    xj = reg.group[POP.region] == "xinjiang"
    assert not POP.minority[~xj].any()
    has_dot = np.array([MIDDLE_DOT in s for s in POP.name], dtype=bool)
    assert (has_dot == POP.minority).all()
    # Households draw minority status with their county's share: compare per household.
    heads = POP.role == int(Role.HEAD)
    expected = reg.minority_share[POP.region[heads & xj]].mean()
    assert abs(POP.minority[heads & xj].mean() - expected) < 0.02


def test_age_pyramid_and_households():
    age = POP.age
    assert age.min() >= 0 and age.max() <= 99
    share_60_plus = (age >= 60).mean()
    assert 0.15 < share_60_plus < 0.30  # 2020 census: 18.7 %
    child = POP.role == int(Role.CHILD)
    has_father = child & (POP.father >= 0)
    fathers = POP.father[has_father]
    assert (POP.sex[fathers] == MALE).all()
    assert (POP.household_id[fathers] == POP.household_id[has_father]).all()
    assert (POP.address[fathers] == POP.address[has_father]).all()
    assert (POP.age[fathers] >= POP.age[has_father] + 18 - 3).all()


def test_addresses_and_phones_are_consistent_with_the_region():
    reg = tables.regions()
    for i in range(0, N, 997):
        r = POP.region[i]
        assert POP.address[i].startswith(reg.province[r] + reg.prefecture[r] + reg.county[r])
        phone = str(POP.phone[i])
        if POP.phone[i]:
            assert len(phone) == 11 and int(phone[:3]) in set(tables.MOBILE_PREFIXES.tolist())
    assert (POP.phone[POP.age < 16] == 0).all()


def test_mongolian_names_only_in_inner_mongolia_without_surname():
    reg = tables.regions()
    mongolian = ~POP.minority & (POP.surname == "")
    assert mongolian.any()
    assert (reg.province[POP.region[mongolian]] == "内蒙古自治区").all()
    assert (POP.name[mongolian] == POP.given[mongolian]).all()
    in_bayannur = reg.group[POP.region] == "bayannur"
    heads = (POP.role == int(Role.HEAD)) & in_bayannur
    assert abs(mongolian[heads].mean() - 0.05) < 0.02


@given(st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=60),
       st.integers(0, 2**32 - 1))  # fmt: skip
def test_truncated_ages_stay_in_their_bounds(bounds, seed):
    lo = np.array([min(a, b) for a, b in bounds])
    hi = np.array([max(a, b) for a, b in bounds])
    ages = sample_ages(np.random.default_rng(seed), lo, hi)
    assert ((ages >= lo) & (ages <= hi)).all()


def test_truncated_ages_follow_the_pyramid():
    """Reference: the share of 60+ among adults (20-99) from the census bands themselves."""
    per_year = np.repeat(tables.AGE_BANDS_PERCENT / 5.0, 5)
    expected = per_year[60:].sum() / per_year[20:].sum()
    n = 200_000
    ages = sample_ages(np.random.default_rng(1), np.full(n, 20), np.full(n, 99))
    assert abs((ages >= 60).mean() - expected) < 0.005

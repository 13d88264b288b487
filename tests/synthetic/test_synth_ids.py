"""ID numbers: the vectorised builder against the standard's definition."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pprl_synthetic import idnumber, tables
from pprl_synthetic.generate import chunk_rng
from pprl_synthetic.population import MALE, PopulationConfig, generate_households


def _population(n=20_000, seed=5):
    return generate_households(chunk_rng(seed, 0, 0), PopulationConfig(), n, 0, 0)


def test_every_clean_id_is_valid_and_agrees_with_the_person():
    pop = _population()
    region_codes = set(tables.regions().code.tolist())
    births = np.datetime_as_string(pop.birth_date)
    for i in range(len(pop)):
        number = pop.id_number[i].decode("ascii")
        assert idnumber.is_valid_reference(number), number
        assert int(number[:6]) in region_codes
        assert number[6:14] == births[i].replace("-", "")
        assert (int(number[16]) % 2 == 1) == (pop.sex[i] == MALE)


def test_known_check_characters():
    # Worked examples of the MOD 11-2 rule (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2).
    assert idnumber.check_char_reference("11010519491231002") == "X"
    assert idnumber.check_char_reference("44052418800101001") == "4"


@given(st.lists(st.text(alphabet="0123456789", min_size=17, max_size=17), min_size=1, max_size=50))
def test_vectorised_check_matches_reference(first17s):
    digits = np.array([[int(c) for c in s] for s in first17s], dtype=np.int8)
    fast = idnumber.render18(digits)
    for s, number in zip(first17s, fast, strict=True):
        assert number.decode("ascii") == s + idnumber.check_char_reference(s)


@given(st.integers(0, 999_999), st.integers(0, 99), st.integers(1, 12), st.integers(1, 28),
       st.integers(0, 999))  # fmt: skip
def test_legacy_numbers_round_trip(region, yy, month, day, seq):
    first17 = f"{region:06d}19{yy:02d}{month:02d}{day:02d}{seq:03d}"
    number = first17 + idnumber.check_char_reference(first17)
    old = idnumber.legacy15(number)
    assert len(old) == 15 and idnumber.upgrade15(old) == number


def test_digit_matrix_layout():
    d = idnumber.digits_matrix(np.array([320902]), np.array([19850307]), np.array([7]))
    assert "".join(map(str, d[0])) == "32090219850307007"


def test_id_numbers_are_unique_across_chunks():
    numbers = np.concatenate(
        [
            generate_households(
                chunk_rng(3, c, 0), PopulationConfig(), 60_000, c * 60_000, c * 60_000,
                chunk=c, id_salt=3,
            ).id_number
            for c in range(6)
        ]
    )  # fmt: skip
    assert len(np.unique(numbers)) == len(numbers)


@given(st.lists(st.tuples(st.sampled_from([320902, 653101]), st.integers(19800101, 19800103),
                          st.booleans()), min_size=1, max_size=300),
       st.integers(0, 600), st.integers(0, 2**32 - 1))  # fmt: skip
def test_sequence_numbers_are_unique_per_cell_and_carry_the_sex(people, chunk, salt):
    region = np.array([p[0] for p in people])
    ymd = np.array([p[1] for p in people])
    male = np.array([p[2] for p in people])
    seq = idnumber.sequence_numbers(region, ymd, male, chunk, salt)
    assert ((seq % 2 == 1) == male).all() and seq.min() >= 1 and seq.max() <= 998
    keys = list(zip(region.tolist(), ymd.tolist(), seq.tolist(), strict=True))
    assert len(set(keys)) == len(keys)

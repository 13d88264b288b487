"""The keyed encoder: pinned known answers, similarity of one person written differently,
wrong keys, hardening, rejects, and the fast kernels against their slow references.

About 420 lines: the known answers and the people they are computed from are shared by most
tests here, so they stay in one module."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import bloom_reference as ref
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bloom import encode
from bloom.blocking import _Hmac, hmac_sha256
from bloom.cn_id import check_char
from bloom.columns import code_matrix
from bloom.distinct import distinct_index
from bloom.hardening import blip
from bloom.positions import token_positions
from bloom.scatter import scatter_bits
from bloom.schema import load_schema, parse_schema
from bloom.secret import LinkageSecret
from bloom.tokens import qgram_stream

SECRET = LinkageSecret.from_bytes(bytes(range(32)))
OTHER_SECRET = LinkageSecret.from_bytes(bytes(range(1, 33)))


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


BASE = {
    "name": "张伟",
    "id_number": with_check("11010519800102301"),
    "sex": "男",
    "birth_date": "1980-01-02",
    "address": "北京市海淀区中关村大街1号",
    "phone": "13800138000",
}


def dice(a: np.ndarray, b: np.ndarray) -> float:
    x, y = np.unpackbits(a), np.unpackbits(b)
    return 2 * int((x & y).sum()) / int(x.sum() + y.sum())


def test_known_answer_pins_the_encoding():
    """Any change to normalisation, tokens, key derivation or hashing changes these digests."""
    result = encode([BASE], "cn-identity", SECRET)
    clk = result.clks[0]
    assert hashlib.sha256(clk.tobytes()).hexdigest() == KNOWN_CLK_SHA256
    assert int(np.unpackbits(clk).sum()) == KNOWN_POPCOUNT
    assert {k: int(v[0][0]) for k, v in result.blocking.items()} == KNOWN_BLOCKING
    assert result.key_id == SECRET.key_id
    assert result.schema_fingerprint == load_schema("cn-identity").fingerprint


KNOWN_CLK_SHA256 = "adf43347129c0bfbe43f9ba15667856eb1cc9cca78bddcb263b044c404845508"
KNOWN_POPCOUNT = 463
KNOWN_BLOCKING = {
    "id_number": 524509485118331724,
    "phone": 15036746209206894016,
    "surname_birth_date": 15667512599328448486,
    "region_birth_date": 3683527234958079142,
    "name_birth_year": 2945363466125371268,
    "name_city": 11355841009013956342,
}


def test_encoding_is_deterministic_and_record_tokens_are_fresh():
    a = encode([BASE, BASE], "cn-identity", SECRET)
    b = encode([BASE], "cn-identity", SECRET)
    assert np.array_equal(a.clks[0], a.clks[1]) and np.array_equal(a.clks[0], b.clks[0])
    tokens = a.record_tokens + b.record_tokens
    assert len(set(tokens)) == 3 and all(len(t) == 32 for t in tokens)
    int(tokens[0], 16)


def variant(**changes):
    return {**BASE, **changes}


SAME_PERSON = {
    "traditional characters": variant(name="張偉"),
    "homophone surname": variant(name="章伟"),
    "15-digit ID": variant(id_number="110105800102301"),
    "other date format": variant(birth_date="1980年1月2日"),
    "compact date, no sex": variant(birth_date="19800102", sex=""),
    "ID typo (check digit wrong)": variant(
        id_number=BASE["id_number"][:8] + "9" + BASE["id_number"][9:]
    ),
    "phone with country code": variant(phone="+86 138-0013-8000"),
    "no address": variant(address=""),
    "given name before surname": variant(name="伟张"),
    "address without province suffix": variant(address="北京海淀区中关村大街1号"),
    # Registers often lack the ID number or the phone: name, date of birth and address suffice.
    "no ID number": variant(id_number=""),
    "no ID number, no phone": variant(id_number="", phone=""),
}
MINORITY = variant(name="阿依古丽·吐尔逊", sex="女", id_number=with_check("65010219800102302"))
MINORITY_FORMS = {
    "dot": "阿依古丽.吐尔逊",
    "bullet": "阿依古丽•吐尔逊",
    "katakana dot": "阿依古丽・吐尔逊",
    "no separator": "阿依古丽吐尔逊",
    "space": "阿依古丽 吐尔逊",
    "swapped order": "吐尔逊·阿依古丽",
    "traditional": "阿依古麗·吐爾遜",
}


def different_people(n: int = 60) -> list[dict]:
    rng = np.random.default_rng(5)
    surnames, given = "王李张刘陈杨黄赵吴周章", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"
    people = []
    for i in range(n):
        seq = f"{int(rng.integers(0, 999)):03d}"
        county, month, day = (int(rng.integers(1, top)) for top in (9, 13, 28))
        people.append(
            {
                "name": surnames[i % len(surnames)] + "".join(rng.choice(list(given), 2)),
                "id_number": with_check(f"1101{county:02d}1980{month:02d}{day:02d}{seq}"),
                "sex": "男" if i % 2 else "女",
                "birth_date": "",
                "address": f"北京市海淀区{'中关村学院清华'[i % 5]}路{i}号",
                "phone": f"139{int(rng.integers(0, 10**8)):08d}",
            }
        )
    return people


@pytest.mark.parametrize("how", sorted(SAME_PERSON))
def test_same_person_written_differently_scores_above_every_other_person(how):
    others = different_people()
    result = encode([BASE, SAME_PERSON[how], *others], "cn-identity", SECRET)
    same = dice(result.clks[0], result.clks[1])
    best_other = max(dice(result.clks[0], c) for c in result.clks[2:])
    assert same > best_other, (how, same, best_other)
    assert same >= load_schema("cn-identity").match_threshold, (how, same)


@pytest.mark.parametrize("how", sorted(MINORITY_FORMS))
def test_minority_name_forms_score_high(how):
    others = different_people()
    result = encode(
        [MINORITY, {**MINORITY, "name": MINORITY_FORMS[how]}, *others], "cn-identity", SECRET
    )
    same = dice(result.clks[0], result.clks[1])
    assert same > max(dice(result.clks[0], c) for c in result.clks[2:])
    assert same >= 0.9, (how, same)


def test_name_only_records_rank_spelling_variants_above_other_names():
    names = ["张伟", "張偉", "章伟", "张玮", "李娜", "王芳", "刘洋"]
    result = encode([{"name": n} for n in names], "cn-identity", SECRET)
    scores = [dice(result.clks[0], c) for c in result.clks]
    assert scores[1] == 1.0  # traditional = simplified
    assert scores[2] > max(scores[4:]) and scores[3] > max(scores[4:])


def test_wrong_key_gives_random_level_similarity():
    people = different_people(40)
    mine = encode(people, "cn-identity", SECRET)
    theirs = encode(people, "cn-identity", OTHER_SECRET)
    cross = np.array([dice(a, b) for a, b in zip(mine.clks, theirs.clks, strict=True)])
    pa_, pb = (np.unpackbits(x.clks, axis=1).sum(axis=1) for x in (mine, theirs))
    expected = 2 * pa_ * pb / (1024 * (pa_ + pb))  # Dice of independent random filters
    assert abs(cross.mean() - expected.mean()) < 0.03
    assert cross.max() < load_schema("cn-identity").match_threshold  # never a match
    same_key = np.array([dice(a, b) for a, b in zip(mine.clks, mine.clks, strict=True)])
    assert same_key.min() == 1.0
    assert not set(mine.blocking["id_number"][0].tolist()) & set(
        theirs.blocking["id_number"][0].tolist()
    )


def test_blocking_keys_group_by_value_and_are_null_when_missing():
    people = [
        BASE,
        variant(name="李娜"),
        variant(birth_date="1981-05-05", id_number=""),
        {"name": "王芳"},
    ]
    result = encode(people, "cn-identity", SECRET)
    values, valid = result.blocking["region_birth_date"]  # both from BASE's ID number
    assert valid.tolist() == [True, True, False, False]
    assert values[0] == values[1]
    surname_values, valid = result.blocking["surname_birth_date"]
    assert valid.tolist() == [True, True, True, False]
    assert len({surname_values[0], surname_values[1], surname_values[2]}) == 3


def test_polyphonic_surname_blocks_with_its_misreading_and_its_homophone():
    names = ["单雄信", "丹雄信", "善雄信", "王雄信"]  # 单: dān commonly, shàn as a surname
    result = encode([variant(name=n) for n in names], "cn-identity", SECRET)
    common, _ = result.blocking["name_birth_year"]  # the whole name in its usual reading
    as_surname, _ = result.blocking["surname_birth_date"]  # the surname as surnames are read
    assert common[0] == common[1] and len({common[0], common[2], common[3]}) == 3
    assert as_surname[0] == as_surname[2] and len({as_surname[0], as_surname[1]}) == 2


def test_missing_facts_are_derived_from_the_id_number():
    full = encode([BASE], "cn-identity", SECRET)
    derived = encode([variant(sex="", birth_date="")], "cn-identity", SECRET)
    assert np.array_equal(full.clks, derived.clks)
    assert derived.counts["birth_date_derived"] == 1


def test_unusable_rows_are_rejected_with_row_field_and_reason():
    records = [
        BASE,
        {"sex": "男", "birth_date": "1980-01-02"},
        variant(birth_date="1980-13-45"),
        {"name": "", "id_number": "12345", "phone": "555"},
    ]
    result = encode(records, "cn-identity", SECRET)
    assert result.source_rows.tolist() == [0, 2]
    assert result.counts["encoded"] == 2 and result.counts["rejected_rows"] == 2
    rejects = {(r.row, r.field): r.reason for r in result.rejects}
    assert rejects[(1, "*")].endswith("row not encoded")
    assert rejects[(2, "birth_date")] == "not a date; field left out"
    assert rejects[(3, "id_number")].startswith("not an ID number")
    assert rejects[(3, "phone")] == "not a phone number; row not encoded"
    assert len(result.record_tokens) == len(result.clks) == 2


def test_table_input_equals_dict_input():
    people = different_people(10)
    table = pa.table({k: [p[k] for p in people] for k in people[0]})
    assert np.array_equal(
        encode(table, "cn-identity", SECRET).clks, encode(people, "cn-identity", SECRET).clks
    )


def hardened(**hardening) -> object:
    data = json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())
    data["hardening"].update(hardening)
    return parse_schema(data)


def test_balanced_filters_have_exactly_half_their_bits_set():
    result = encode(different_people(20), hardened(balance=True), SECRET)
    assert set(np.unpackbits(result.clks, axis=1).sum(axis=1).tolist()) == {512}


def test_xor_folding_and_salting_keep_the_same_person_close():
    for schema in (hardened(xor_fold=True), hardened(salt={"field": "birth_date", "part": "year"})):
        result = encode(
            [BASE, SAME_PERSON["traditional characters"], *different_people()], schema, SECRET
        )
        same = dice(result.clks[0], result.clks[1])
        assert same > max(dice(result.clks[0], c) for c in result.clks[2:])


def test_salting_separates_equal_tokens_of_different_salt_values():
    # Without diffusion, whose unrelated-record level (about 0.5) would hide the drop.
    schema = hardened(salt={"field": "birth_date", "part": "year"}, diffusion=None)
    result = encode(
        [
            {"name": "张伟", "birth_date": "1980-01-01"},
            {"name": "张伟", "birth_date": "1990-01-01"},
        ],
        schema,
        SECRET,
    )
    unsalted = encode(
        [
            {"name": "张伟", "birth_date": "1980-01-01"},
            {"name": "张伟", "birth_date": "1990-01-01"},
        ],
        hardened(diffusion=None),
        SECRET,
    )
    assert dice(result.clks[0], result.clks[1]) < dice(unsalted.clks[0], unsalted.clks[1]) - 0.3


def test_blip_flips_bits_at_the_stated_rate():
    schema = hardened(blip={"epsilon": 2.0})
    p = schema.hardening.blip.flip_probability
    assert p == pytest.approx(1 / (1 + np.exp(2.0)))
    clean = np.random.default_rng(0).integers(0, 256, size=(400, 128), dtype=np.uint8)
    flipped = np.unpackbits(clean ^ blip(clean, 2.0, np.random.default_rng(1))).mean()
    assert abs(flipped - p) < 0.005
    noisy = encode(different_people(20), schema, SECRET, rng=np.random.default_rng(1))
    again = encode(different_people(20), schema, SECRET, rng=np.random.default_rng(1))
    other = encode(different_people(20), schema, SECRET, rng=np.random.default_rng(2))
    assert np.array_equal(noisy.clks, again.clks)
    assert not np.array_equal(noisy.clks, other.clks)
    differing = np.unpackbits(noisy.clks ^ other.clks).mean()
    assert abs(differing - 2 * p * (1 - p)) < 0.01


def test_positions_are_keyed_and_independent():
    key = SECRET.derive(b"test")
    pos = token_positions(key, [b"a", b"b", b"a"], 40, 1024)
    assert pos.shape == (3, 40) and pos.max() < 1024
    assert np.array_equal(pos[0], pos[2]) and not np.array_equal(pos[0], pos[1])
    other = token_positions(OTHER_SECRET.derive(b"test"), [b"a"], 40, 1024)
    assert not np.array_equal(pos[0], other[0])
    # not double hashing: successive differences are not constant modulo the length
    assert len(set(np.diff(pos[0].astype(int)) % 1024)) > 5


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 6),
    st.integers(1, 40),
    st.integers(1, 12),
    st.randoms(use_true_random=False),
)
def test_scatter_kernel_matches_reference(rows, width, tokens, kmax, rnd):
    rng = np.random.default_rng(rnd.randint(0, 2**32))
    distinct_rows = max(1, rows // 2)
    index = rng.integers(-1, tokens, size=(distinct_rows, width)).astype(np.int32)
    row_index = rng.integers(0, distinct_rows, size=rows)
    krow = rng.integers(1, kmax + 1, size=rows).astype(np.int32)
    positions = rng.integers(0, 1024, size=(tokens, kmax)).astype(np.uint16)
    bits = np.zeros((rows, 128), dtype=np.uint8)
    scatter_bits(bits, index, row_index, krow, positions)
    assert np.array_equal(bits, ref.scatter_bits(1024, index, row_index, krow, positions))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(alphabet="张伟艾力·买提ab", max_size=8), min_size=1, max_size=8),
    st.integers(1, 3),
)
def test_qgram_stream_matches_reference(values, q):
    stream = qgram_stream(code_matrix(values), q, separator=ord("·"))
    keys, valid = stream.per_row()
    for row, value in enumerate(values):
        got = stream.render(np.unique(keys[row][valid[row]]))
        expected = {part[i : i + q] for part in value.split("·") for i in range(len(part) - q + 1)}
        assert {g.decode() for g in got} == expected


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 5000), min_size=3, max_size=3), min_size=1, max_size=30),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_distinct_index_kernel_matches_reference(rows, rnd, huge):
    keys = np.array(rows, dtype=np.int64) + (2**40 if huge else 0)  # huge: the sorting path
    valid = np.array([[rnd.random() < 0.7 for _ in row] for row in rows], dtype=bool)
    distinct, index = distinct_index(keys, valid)
    ref_distinct, ref_index = ref.distinct_index(keys, valid)
    assert np.array_equal(distinct, ref_distinct)
    assert np.array_equal(index, ref_index)
    assert np.array_equal(distinct[index[valid]], keys[valid])


def test_positions_do_not_depend_on_how_many_are_asked_for():
    key = SECRET.derive(b"test")
    many = token_positions(key, [b"x", b"y"], 50, 1024)
    for k in (1, 7, 32, 33):
        assert np.array_equal(token_positions(key, [b"x", b"y"], k, 1024), many[:, :k])


def test_bits_per_feature_encoding_does_not_depend_on_the_batch():
    data = json.loads(resources.files("bloom").joinpath("schemas/cn-identity.json").read_text())
    data["fields"][0]["features"] = [{"tokens": "char_qgrams", "q": 1, "bits_per_feature": 45}]
    schema = parse_schema(data)
    people = different_people(30) + [variant(name="阿不都热合曼·买买提")]
    together = encode(people, schema, SECRET)
    alone = encode(people[:3], schema, SECRET)
    assert np.array_equal(together.clks[:3], alone.clks)


@given(st.binary(min_size=1, max_size=100), st.binary(max_size=200))
def test_blocking_hmac_matches_the_standard_library(key, message):
    assert _Hmac(key).digest(message) == hmac_sha256(key, message)


def test_a_user_schema_for_other_columns_encodes_and_matches():
    schema = parse_schema(
        {
            "schema_version": 1,
            "name": "students",
            "fields": [
                {"name": "full_name", "type": "text",
                 "features": [{"tokens": "char_qgrams", "q": 2, "bits_per_feature": 300}]},
                {"name": "dob", "type": "date",
                 "features": [{"tokens": "date_parts", "bits_per_token": 20}]},
                {"name": "student_no", "type": "text",
                 "features": [{"tokens": "positional_chars", "bits_per_token": 8}]},
            ],
            "require_any": ["full_name", "student_no"],
            "blocking": [{"name": "year", "parts": [{"field": "dob", "part": "year"}]}],
        }
    )  # fmt: skip
    rows = [
        {"full_name": "Maria  Garcia", "dob": "2001-04-05", "student_no": "S-1001"},
        {"full_name": "maria garcia", "dob": "2001/4/5", "student_no": "S-1001"},
        {"full_name": "Mario Garcon", "dob": "2001-04-05", "student_no": "S-2002"},
        {"full_name": "", "dob": "2001-04-05", "student_no": ""},
    ]
    result = encode(rows, schema, SECRET)
    assert result.source_rows.tolist() == [0, 1, 2]
    assert dice(result.clks[0], result.clks[1]) == 1.0
    assert dice(result.clks[0], result.clks[2]) < 0.8
    assert len(set(result.blocking["year"][0].tolist())) == 1


def test_a_name_typed_in_pinyin_is_closer_to_its_characters_than_to_other_names():
    names = ["张伟", "Zhang Wei", "ZHANG·WEI", "李娜", "王芳", "刘洋"]
    result = encode([{"name": n} for n in names], "cn-identity", SECRET)
    scores = [dice(result.clks[0], c) for c in result.clks]
    assert min(scores[1:3]) > max(scores[3:])

"""Normalisers: column versions agree with the one-value references; known cases; properties."""

from __future__ import annotations

import datetime as dt

import bloom_reference as ref
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from bloom.addresses import PROVINCES, parse_address, prepare_addresses
from bloom.cn_id import IdStatus, check_char, parse_cn_id, prepare_cn_ids
from bloom.columns import rows_to_strings
from bloom.dates import parse_date, prepare_dates
from bloom.names import normalise_name, normalise_names
from bloom.phones import normalise_phone, prepare_phones
from bloom.sex import parse_sex, prepare_sex

HAN = "张章伟偉艾力买買提阿依古丽麗吐尔爾逊遜单單曾解王李娜欧歐阳陽"
SEPARATORS = [".", "•", "・", "‧", "·", " ", "　", "-", "．", ""]
settings.register_profile("bloom", max_examples=150, deadline=None)
settings.load_profile("bloom")

names = st.lists(
    st.one_of(
        st.text(alphabet=HAN, min_size=1, max_size=4),
        st.sampled_from(SEPARATORS),
        st.text(alphabet="ＡＢａｂAbz ", max_size=3),
    ),
    max_size=5,
).map("".join)


@given(st.lists(st.one_of(st.none(), names), max_size=12))
def test_name_column_agrees_with_reference(values):
    distinct, index = normalise_names(pa.array(values, pa.string()))
    assert [distinct[i] for i in index] == [normalise_name(v or "") for v in values]


@given(names)
def test_name_normalisation_is_idempotent_and_separator_free_at_the_ends(raw):
    once = normalise_name(raw)
    assert normalise_name(once) == once
    assert not once.startswith("·") and not once.endswith("·") and "··" not in once


def test_name_forms_of_one_person_normalise_alike():
    assert normalise_name("張偉") == normalise_name("张伟") == "张伟"
    forms = [
        "阿依古丽·吐尔逊",
        "阿依古丽.吐尔逊",
        "阿依古丽•吐尔逊",
        "阿依古丽・吐尔逊",
        "阿依古丽 吐尔逊",
        "阿依古麗．吐爾遜",
        "阿依古丽　吐尔逊",
        " 阿依古丽-吐尔逊 ",
    ]
    assert {normalise_name(f) for f in forms} == {"阿依古丽·吐尔逊"}
    assert normalise_name("ＺＨＡＮＧ Wei") == "zhang·wei"


def test_polyphonic_surnames_share_a_syllable_with_their_surname_reading():
    assert {"shan", "dan"} <= ref.name_syllables("单雄信")
    assert ref.name_syllables("单雄信") & ref.name_syllables("善雄信") >= {"shan", "xiong", "xin"}
    assert "zeng" in ref.name_syllables("曾国藩") & ref.name_syllables("增国藩")
    assert "xie" in ref.name_syllables("解缙") & ref.name_syllables("谢缙")
    assert ref.name_syllables("张伟") == ref.name_syllables("章伟")


digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)
id_like = st.one_of(
    digits17.map(lambda d: d + check_char(d)),
    digits17.map(lambda d: d + "X"),
    st.text(alphabet="0123456789", min_size=15, max_size=15),
    st.text(alphabet="0123456789Xx -１２", max_size=20),
    st.none(),
)


@given(st.lists(id_like, max_size=12))
def test_id_column_agrees_with_reference(values):
    col = prepare_cn_ids(pa.array(values, pa.string()))
    numbers = rows_to_strings(col.chars)
    for i, raw in enumerate(values):
        ref = parse_cn_id(raw)
        assert IdStatus(col.status[i]) is ref.status
        assert (numbers[i] or None) == ref.number
        assert (int(col.birth[i]) or None) == ref.birth
        assert (int(col.sex[i]) or None) == ref.sex
        assert (int(col.region[i]) or None) == ref.region


@given(digits17, st.integers(0, 16), st.integers(1, 9))
def test_check_digit_catches_every_single_digit_error(first17, position, shift):
    good = first17 + check_char(first17)
    assert parse_cn_id(good).status is IdStatus.OK
    changed = str((int(first17[position]) + shift) % 10)
    typo = good[:position] + changed + good[position + 1 :]
    assert parse_cn_id(typo).status is IdStatus.CHECK_DIGIT_WRONG
    assert parse_cn_id(typo).number == typo  # encoded, not dropped


def test_fifteen_digit_number_is_upgraded_and_facts_derived():
    old = parse_cn_id("110105491231002")
    assert old.status is IdStatus.UPGRADED_15
    assert old.number == "11010519491231002X"
    assert parse_cn_id(old.number).status is IdStatus.OK
    assert (old.birth, old.sex, old.region) == (19491231, 2, 110105)
    assert parse_cn_id("１１０１０５１９４９１２３１００２ｘ").number == "11010519491231002X"
    assert parse_cn_id("1101051949123100").status is IdStatus.INVALID


date_forms = st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)).flatmap(
    lambda d: st.sampled_from(
        [
            d.isoformat(),
            f"{d.year}/{d.month}/{d.day}",
            d.strftime("%Y%m%d"),
            f"{d.year}年{d.month}月{d.day}日",
            d.strftime("%Y.%m.%d"),
            f"{d.isoformat()} 00:00:00",
            d.isoformat().translate(str.maketrans("0123456789-", "０１２３４５６７８９－")),
        ]
    ).map(lambda text, d=d: (text, int(d.strftime("%Y%m%d"))))
)


@given(date_forms)
def test_every_common_date_form_parses_to_the_date(form):
    text, expected = form
    assert parse_date(text) == expected


@given(
    st.lists(
        st.one_of(
            date_forms.map(lambda f: f[0]),
            st.text("0123456789-/.年月日 T:", max_size=12),
            st.text("0123456789-/.", min_size=8, max_size=10),  # near the byte-level fast path
        ),
        max_size=12,
    )
)
def test_date_column_agrees_with_reference(values):
    dates, bad = prepare_dates(pa.array(values, pa.string()))
    for i, raw in enumerate(values):
        ref = parse_date(raw)
        assert (int(dates[i]) or None) == ref
        assert bool(bad[i]) == (ref is None and bool(raw.strip()))


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["男", "女", "M", "f", "1", "2", "0", "9", "男性", "Female", "?", " "]),
        ),
        max_size=10,
    )
)
def test_sex_column_agrees_with_reference(values):
    sex, bad = prepare_sex(pa.array(values, pa.string()))
    for i, raw in enumerate(values):
        ref = parse_sex(raw)
        assert int(sex[i]) == (ref or 0)
        assert bool(bad[i]) == (ref is None)


phone_like = st.one_of(
    st.text("0123456789", min_size=9, max_size=11).map(lambda d: "1" + d),
    st.sampled_from(["+86 ", "0086", "86", "+86-", ""]).flatmap(
        lambda p: st.text("0123456789", min_size=10, max_size=10).map(lambda d: p + "13" + d[1:])
    ),
    st.text("0123456789+-() ", max_size=16),
    st.none(),
)


@given(st.lists(phone_like, max_size=12))
def test_phone_column_agrees_with_reference(values):
    chars, present, bad = prepare_phones(pa.array(values, pa.string()))
    numbers = rows_to_strings(chars)
    for i, raw in enumerate(values):
        ref = normalise_phone(raw)
        assert (numbers[i] or None) == ref
        assert bool(present[i]) == (ref is not None)
        assert bool(bad[i]) == (ref is None and bool((raw or "").strip()))


def test_phone_forms_of_one_number():
    forms = [
        "13800138000",
        "+86 138-0013-8000",
        "0086 13800138000",
        "(+86)138 0013 8000",
        "８６１３８００１３８０００",
    ]
    assert {normalise_phone(f) for f in forms} == {"13800138000"}
    assert normalise_phone("+86 10 8888 8888") == normalise_phone("(010) 8888-8888")


province_names = [n for names in PROVINCES.values() for n in names]
addresses = st.builds(
    lambda p, c, r: p + c + r,
    st.sampled_from(province_names + [""]),
    st.sampled_from(["广州市", "伊犁哈萨克自治州", "阿克苏地区", "锡林郭勒盟", "朝阳区", ""]),
    st.text("天河区中山大道路号栋室12市县１２　Ａ", max_size=12),
)


@given(st.lists(st.one_of(addresses, st.none()), max_size=10))
def test_address_column_agrees_with_reference(values):
    col = prepare_addresses(pa.array(values, pa.string()))
    rests = rows_to_strings(col.rest_codes)
    for i, raw in enumerate(values):
        ref = parse_address(raw)
        assert (int(col.province[i]) or None) == ref.province
        assert (col.cities[col.city[i] - 1] if col.city[i] else None) == ref.city
        assert rests[col.row_index[i]] == ref.rest
        assert bool(col.present[i]) == bool((raw or "").strip())


def test_address_forms_of_one_place():
    a = parse_address("广东省广州市天河区中山大道100号")
    assert (a.province, a.city, a.rest) == (44, "广州", "天河区中山大道100号")
    assert parse_address("廣東省 廣州市 天河區中山大道100號") == a
    assert parse_address("北京海淀区中关村大街1号") == parse_address("北京市海淀区中关村大街1号")
    assert parse_address("内蒙古自治区包头市").province == 15
    assert np.array_equal(prepare_addresses(pa.array([None, ""])).province, [0, 0])


@given(st.lists(st.one_of(names, st.sampled_from(["zhang wei", "Li·Na", "xiaoming li", "欧阳 Na"])),
                min_size=1, max_size=8))  # fmt: skip
def test_pinyin_tokens_of_a_name_column_agree_with_reference(values):
    from bloom.fields import NameField
    from bloom.schema import TokenKind, load_schema

    spec = load_schema("cn-identity").field("name")
    field = NameField(spec, pa.array(values, pa.string()))
    feature = next(f for f in spec.features if f.tokens is TokenKind.PINYIN_SYLLABLES)
    stream = field.stream(feature)
    keys, valid = stream.per_row()
    for row, raw in enumerate(values):
        got = {t.decode() for t in stream.render(np.unique(keys[row][valid[row]]))}
        assert got == ref.name_syllables(normalise_name(raw))

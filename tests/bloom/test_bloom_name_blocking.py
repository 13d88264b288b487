"""Blocking keys for records without ID number and date of birth (an extract with no
date-of-birth column): the whole name's reading with the city, and the phone, still put such a
record in a block with its counterpart; homophones, traditional characters and separator
variants share the reading."""

from __future__ import annotations

import bloom_reference as ref
import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

import linkage
from bloom import encode
from bloom.cn_id import check_char
from bloom.fields import reading_part
from bloom.names import normalise_name, prepare_names
from bloom.secret import LinkageSecret
from pprl.encoded import EncodedDataset

SECRET = LinkageSecret.from_bytes(bytes(range(32)))
ID_NUMBER = "11010519800102301" + check_char("11010519800102301")
FULL = {
    "name": "张伟",
    "id_number": ID_NUMBER,
    "sex": "男",
    "birth_date": "1980-01-02",
    "address": "北京市海淀区中关村大街1号",
    "phone": "13800138000",
}
# What a vehicles or disaster-victims extract holds when the ID number was not recorded.
NO_ID_NO_BIRTH_DATE = {
    "name": "张伟",
    "address": "北京市海淀区中关村大街1号",
    "phone": "13800138000",
}


ADDRESS = "北京市海淀区中关村大街1号"


def reading_of(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The name_city key of records that share an address: equal exactly when the readings are."""
    records = [{"name": n, "address": ADDRESS} for n in names]
    return encode(records, "cn-identity", SECRET).blocking["name_city"]


def dataset(records: list[dict]) -> EncodedDataset:
    return encode(records, "cn-identity", SECRET).to_dataset()


def test_a_record_without_id_number_and_birth_date_keeps_the_name_city_and_phone_keys():
    result = encode([FULL, NO_ID_NO_BIRTH_DATE], "cn-identity", SECRET)
    assert set(result.blocking) == {
        "id_number",
        "phone",
        "surname_birth_date",
        "region_birth_date",
        "name_birth_year",
        "name_city",
    }
    for name, (values, valid) in result.blocking.items():
        if name in ("name_city", "phone"):
            assert valid.tolist() == [True, True] and values[0] == values[1], name
        else:
            assert valid.tolist() == [True, False], name


def test_homophones_traditional_and_separator_variants_share_the_reading():
    same = ["张伟", "章伟", "張偉", "张炜"]
    values, valid = reading_of(same + ["王伟", "张伟伟"])
    assert valid.all()
    assert len(set(values[:4].tolist())) == 1 and len(set(values.tolist())) == 3
    # 单 is dān commonly: a surname written in its common reading's character keeps the key.
    polyphonic, _ = reading_of(["单雄信", "丹雄信"])
    assert polyphonic[0] == polyphonic[1]
    minority, valid = reading_of(["阿依古丽·吐尔逊", "阿依古丽.吐尔逊", "阿依古丽吐尔逊"])
    assert valid.all() and len(set(minority.tolist())) == 1


def test_a_name_with_a_character_without_reading_has_no_reading_key():
    records = [
        {"name": "zhang wei", "address": ADDRESS},
        {"name": "张伟", "address": ADDRESS},
        {"name": "", "phone": "13800138000", "address": ADDRESS},
    ]
    _, valid = encode(records, "cn-identity", SECRET).blocking["name_city"]
    assert valid.tolist() == [False, True, False]


def test_match_finds_the_record_without_id_number_and_birth_date():
    decoys = [
        {**FULL, "name": name, "id_number": "", "phone": ""} for name in ("李娜", "王芳", "刘洋")
    ]
    register = dataset([*decoys, FULL])
    extract = dataset([NO_ID_NO_BIRTH_DATE])
    # Name, address and phone score about 0.62 on the diffused scale: above the schema's 0.6.
    result = linkage.match(register, extract)
    assert list(zip(result.pairs.left.tolist(), result.pairs.right.tolist(), strict=True)) == [
        (3, 0)
    ]
    # Two blocks (name_city and phone) hold the one namesake; the decoys are never compared.
    assert result.comparisons == 2
    exhaustive = linkage.match(register, extract, blocking="exhaustive")
    assert exhaustive.comparisons == 4
    assert np.array_equal(exhaustive.pairs.score, result.pairs.score)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="张章伟炜单丹·. a阿依古丽𠀀", max_size=6), min_size=1, max_size=8))
def testreading_part_agrees_with_the_reference(raw: list[str]):
    column = prepare_names(pa.array(raw, pa.string()))
    part = reading_part(column)
    expected = [ref.name_reading(normalise_name(r)) for r in raw]
    assert part.valid.tolist() == [e is not None for e in expected]
    rendered = part.render(part.keys[part.valid])
    assert [t.decode() for t in rendered] == [e for e in expected if e is not None]

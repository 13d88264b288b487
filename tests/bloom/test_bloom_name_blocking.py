"""The name_reading blocking key: it needs no birth year, so a record without ID number and
date of birth (an extract with no date-of-birth column) still shares a block with its
counterpart; homophones, traditional characters and separator variants share it."""

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


def reading_of(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return encode([{"name": n} for n in names], "cn-identity", SECRET).blocking["name_reading"]


def dataset(records: list[dict]) -> EncodedDataset:
    return encode(records, "cn-identity", SECRET).to_dataset()


def test_a_record_without_id_number_and_birth_date_keeps_only_the_name_reading_key():
    result = encode([FULL, NO_ID_NO_BIRTH_DATE], "cn-identity", SECRET)
    assert set(result.blocking) >= {"name_reading", "yob_sex", "region_yob", "surname_yob"}
    for name, (values, valid) in result.blocking.items():
        if name == "name_reading":
            assert valid.tolist() == [True, True] and values[0] == values[1]
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
    records = [{"name": "zhang wei"}, {"name": "张伟"}, {"name": "", "phone": "13800138000"}]
    _, valid = encode(records, "cn-identity", SECRET).blocking["name_reading"]
    assert valid.tolist() == [False, True, False]


def test_match_finds_the_record_without_id_number_and_birth_date():
    decoys = [
        {**FULL, "name": name, "id_number": "", "phone": ""} for name in ("李娜", "王芳", "刘洋")
    ]
    register = dataset([*decoys, FULL])
    extract = dataset([NO_ID_NO_BIRTH_DATE])
    # Name and address alone score about 0.72: below the default threshold, so 0.7 here.
    result = linkage.match(register, extract, threshold=0.7)
    assert list(zip(result.pairs.left.tolist(), result.pairs.right.tolist(), strict=True)) == [
        (3, 0)
    ]
    assert result.comparisons == 1  # one block: the namesake; the decoys are never compared
    exhaustive = linkage.match(register, extract, threshold=0.7, blocking="exhaustive")
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

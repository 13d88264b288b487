"""Addresses: province (GB/T 2260 two-digit code), city, and the rest of the address.

Province and city are recognised from their full or short names at the start of the address
("广东省广州市…", "广东广州…", "北京市海淀区…"), after NFKC and traditional → simplified. The rest
(district, street, number) is kept for q-gram tokens. Where a record has no address, the
province comes from the region code of its ID number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bloom.columns import code_matrix, convert_lines, distinct, distinct_array, nfkc
from bloom.names import _t2s

PROVINCES: dict[int, tuple[str, str]] = {
    11: ("北京市", "北京"), 12: ("天津市", "天津"), 13: ("河北省", "河北"), 14: ("山西省", "山西"),
    15: ("内蒙古自治区", "内蒙古"), 21: ("辽宁省", "辽宁"), 22: ("吉林省", "吉林"),
    23: ("黑龙江省", "黑龙江"), 31: ("上海市", "上海"), 32: ("江苏省", "江苏"),
    33: ("浙江省", "浙江"), 34: ("安徽省", "安徽"), 35: ("福建省", "福建"), 36: ("江西省", "江西"),
    37: ("山东省", "山东"), 41: ("河南省", "河南"), 42: ("湖北省", "湖北"), 43: ("湖南省", "湖南"),
    44: ("广东省", "广东"), 45: ("广西壮族自治区", "广西"), 46: ("海南省", "海南"),
    50: ("重庆市", "重庆"), 51: ("四川省", "四川"), 52: ("贵州省", "贵州"), 53: ("云南省", "云南"),
    54: ("西藏自治区", "西藏"), 61: ("陕西省", "陕西"), 62: ("甘肃省", "甘肃"),
    63: ("青海省", "青海"), 64: ("宁夏回族自治区", "宁夏"), 65: ("新疆维吾尔自治区", "新疆"),
    71: ("台湾省", "台湾"), 81: ("香港特别行政区", "香港"), 82: ("澳门特别行政区", "澳门"),
}  # fmt: skip
MUNICIPALITIES = frozenset({11, 12, 31, 50})
_PROVINCE_BY_NAME = {name: code for code, names in PROVINCES.items() for name in names}
_NAME_LENGTHS = sorted({len(name) for name in _PROVINCE_BY_NAME}, reverse=True)
# Longest names first so that "内蒙古自治区" wins over "内蒙古" (leftmost-first alternation).
_PROVINCE_RE = (
    "^(?P<province>"
    + "|".join(sorted(_PROVINCE_BY_NAME, key=lambda name: -len(name)))
    + ")?(?P<rest>.*)$"
)
_CITY_RE = "^(?P<city>.{1,7}?(?:自治州|地区|盟|市))?(?P<rest>.*)$"
_SPACES = r"\s+"


@dataclass(frozen=True)
class Address:
    province: int | None
    city: str | None
    rest: str


def _clean(raw: str) -> str:
    return re.sub(_SPACES, "", unicodedata.normalize("NFKC", raw))


def parse_address(raw: str | None) -> Address:
    """Reference: province code, city and the rest of one address."""
    text = _clean(raw or "")
    if not text:
        return Address(None, None, "")
    text = _t2s().convert(text)
    m = re.fullmatch(_PROVINCE_RE, text, flags=re.S)
    province = _PROVINCE_BY_NAME.get(m.group("province") or "")
    rest = m.group("rest")
    if province in MUNICIPALITIES:
        return Address(province, PROVINCES[province][1], rest.removeprefix("市"))
    m = re.fullmatch(_CITY_RE, rest, flags=re.S)
    city = (m.group("city") or "").removesuffix("市")
    return Address(province, city or None, m.group("rest"))


def _split_province(texts: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Province code per row and the text after the province name (prefix look-ups)."""
    n = len(texts)
    province = np.zeros(n, dtype=np.int32)
    rest = texts
    for length in _NAME_LENGTHS:  # longest first, so the longest name wins
        names = [name for name in _PROVINCE_BY_NAME if len(name) == length]
        found = pc.index_in(pc.utf8_slice_codeunits(texts, 0, length), value_set=pa.array(names))
        found = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
        hit = (found >= 0) & (province == 0)
        if hit.any():
            codes = np.array([_PROVINCE_BY_NAME[name] for name in names], dtype=np.int32)
            province[hit] = codes[found[hit]]
            rest = pc.if_else(pa.array(hit), pc.utf8_slice_codeunits(texts, length), rest)
    return province, rest


@dataclass(frozen=True)
class AddressColumn:
    province: np.ndarray  # int32[n], 0 unknown
    city: np.ndarray  # int64[n], index + 1 into `cities`, 0 none
    cities: list[str]
    rest_codes: np.ndarray  # uint32[D, w] code points of the rest, per distinct address
    row_index: np.ndarray  # int64[n] row -> distinct address
    present: np.ndarray  # bool[n] the record has an address of its own


def prepare_addresses(column: pa.Array) -> AddressColumn:
    """Column version of `parse_address` (Arrow regex kernels over the distinct addresses)."""
    raw, row_index = distinct_array(column)
    text = pc.replace_substring_regex(nfkc(raw), _SPACES, "")
    has = pc.utf8_length(text).to_numpy(zero_copy_only=False) > 0
    texts = convert_lines(_t2s().convert, text)
    province, rest = _split_province(texts)
    city_split = pc.extract_regex(rest, _CITY_RE)
    municipal = np.isin(province, list(MUNICIPALITIES))
    short_names = np.array([""] + [PROVINCES.get(c, ("", ""))[1] for c in range(1, 100)])
    city_text = pc.if_else(
        pa.array(municipal),
        pa.array(short_names[np.where(municipal, province, 0)].tolist(), pa.string()),
        pc.replace_substring_regex(pc.fill_null(city_split.field("city"), ""), "市$", ""),
    )
    rest_text = pc.if_else(
        pa.array(municipal),
        pc.replace_substring_regex(rest, "^市", ""),
        city_split.field("rest"),
    )
    city_names, city_index = distinct(city_text)
    ids = np.array([k + 1 if name else 0 for k, name in enumerate(city_names)], np.int64)
    cities = [name or "" for name in city_names]
    return AddressColumn(
        province=province[row_index],
        city=ids[city_index][row_index],
        cities=cities,
        rest_codes=code_matrix(rest_text.to_pylist()),
        row_index=row_index,
        present=has[row_index],
    )

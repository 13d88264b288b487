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

from bloom.columns import as_string_array, code_matrix, distinct
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
# Longest names first so "内蒙古自治区" wins over "内蒙古".
_PROVINCE_NAMES = sorted(
    ((name, code) for code, names in PROVINCES.items() for name in names),
    key=lambda item: -len(item[0]),
)
_CITY_RE = re.compile(r"(.+?(?:自治州|地区|盟|市))")
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Address:
    province: int | None
    city: str | None
    rest: str


def _split(text: str) -> Address:
    province = None
    for name, code in _PROVINCE_NAMES:
        if text.startswith(name):
            province, text = code, text[len(name) :]
            break
    city = None
    if province in MUNICIPALITIES:
        city = PROVINCES[province][1]
        text = text.removeprefix("市")
    else:
        m = _CITY_RE.match(text)
        if m and len(m.group(1)) <= 8:
            city = m.group(1).removesuffix("市")
            text = text[m.end() :]
    return Address(province, city or None, text)


def _clean(raw: str) -> str:
    return _SPACES_RE.sub("", unicodedata.normalize("NFKC", raw))


def parse_address(raw: str | None) -> Address:
    """Reference: province code, city and the rest of one address."""
    text = _clean(raw or "")
    return _split(_t2s().convert(text)) if text else Address(None, None, "")


@dataclass(frozen=True)
class AddressColumn:
    province: np.ndarray  # int32[n], 0 unknown
    city: np.ndarray  # int64[n], index + 1 into `cities`, 0 none
    cities: list[str]
    rest_codes: np.ndarray  # uint32[D, w] code points of the rest, per distinct address
    row_index: np.ndarray  # int64[n] row -> distinct address
    present: np.ndarray  # bool[n] the record has an address of its own


def prepare_addresses(column: pa.Array) -> AddressColumn:
    values, row_index = distinct(as_string_array(column))
    cleaned = [_clean(v) if v else "" for v in values]
    present_text = [c for c in cleaned if c]
    simplified = (
        iter(_t2s().convert("\n".join(present_text)).split("\n")) if present_text else iter(())
    )
    parsed = [_split(next(simplified)) if c else Address(None, None, "") for c in cleaned]
    cities: dict[str, int] = {}
    city_ids = np.array(
        [cities.setdefault(a.city, len(cities) + 1) if a.city else 0 for a in parsed],
        dtype=np.int64,
    )
    province = np.array([a.province or 0 for a in parsed], dtype=np.int32)
    has = np.array([bool(c) for c in cleaned], dtype=bool)
    city_names = [""] * len(cities)
    for name, k in cities.items():
        city_names[k - 1] = name
    return AddressColumn(
        province=province[row_index],
        city=city_ids[row_index],
        cities=city_names,
        rest_codes=code_matrix([a.rest for a in parsed]),
        row_index=row_index,
        present=has[row_index],
    )

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
from numba import njit

from bloom.columns import code_matrix, convert_lines, distinct_array, nfkc
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
    text = _t2s().convert(text)[:MAX_ADDRESS_CHARS]
    m = re.fullmatch(_PROVINCE_RE, text, flags=re.S)
    province = _PROVINCE_BY_NAME.get(m.group("province") or "")
    rest = m.group("rest")
    if province in MUNICIPALITIES:
        return Address(province, PROVINCES[province][1], rest.removeprefix("市"))
    m = re.fullmatch(_CITY_RE, rest, flags=re.S)
    city = (m.group("city") or "").removesuffix("市")
    return Address(province, city or None, m.group("rest"))


# Province names as code-point rows (longest first, as the reference's alternation), and
# the city suffixes in the reference's order.
_NAMES_BY_LENGTH = sorted(_PROVINCE_BY_NAME, key=lambda name: -len(name))
_NAME_CODES = code_matrix(_NAMES_BY_LENGTH).astype(np.int64)
_NAME_LENGTHS_ARR = np.array([len(name) for name in _NAMES_BY_LENGTH], dtype=np.int64)
_NAME_PROVINCE = np.array([_PROVINCE_BY_NAME[name] for name in _NAMES_BY_LENGTH], dtype=np.int64)
_SUFFIXES = ("自治州", "地区", "盟", "市")
_SUFFIX_CODES = code_matrix(list(_SUFFIXES)).astype(np.int64)
_SUFFIX_LENGTHS = np.array([len(x) for x in _SUFFIXES], dtype=np.int64)
_CITY_MARK = ord("市")
_MUNICIPAL = np.array(sorted(MUNICIPALITIES), dtype=np.int64)
MAX_ADDRESS_CHARS = 96  # longer addresses are cut: the rest adds nothing to matching


@njit(cache=True, nogil=True)
def _split_codes(codes, names, name_lengths, name_province, suffixes, suffix_lengths, municipal):
    """Per row: province code, city span [start, stop) (-1: the municipality's own name),
    and where the rest starts; the same rules as `parse_address`."""  # pragma: no cover
    d, w = codes.shape
    province = np.zeros(d, dtype=np.int64)
    city_start = np.zeros(d, dtype=np.int64)
    city_stop = np.zeros(d, dtype=np.int64)
    rest_start = np.zeros(d, dtype=np.int64)
    for r in range(d):
        length = 0
        while length < w and codes[r, length] != 0:
            length += 1
        pos = 0
        for i in range(names.shape[0]):
            size = name_lengths[i]
            if size <= length:
                same = True
                for j in range(size):
                    if codes[r, j] != names[i, j]:
                        same = False
                        break
                if same:
                    province[r] = name_province[i]
                    pos = size
                    break
        is_municipal = False
        for m in range(municipal.shape[0]):
            if province[r] == municipal[m]:
                is_municipal = True
        if is_municipal:
            city_start[r] = -1
            city_stop[r] = -1
            rest_start[r] = pos + 1 if pos < length and codes[r, pos] == _CITY_MARK else pos
            continue
        city_start[r] = pos
        city_stop[r] = pos
        rest_start[r] = pos
        found = False
        for k in range(1, 8):
            for s in range(suffixes.shape[0]):
                size = suffix_lengths[s]
                if pos + k + size > length:
                    continue
                same = True
                for j in range(size):
                    if codes[r, pos + k + j] != suffixes[s, j]:
                        same = False
                        break
                if same:
                    stop = pos + k + size
                    city_stop[r] = stop - 1 if codes[r, stop - 1] == _CITY_MARK else stop
                    rest_start[r] = stop
                    found = True
                    break
            if found:
                break
    return province, city_start, city_stop, rest_start


def _shifted(codes: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Each row's code points from `start` to `stop` (exclusive), left-aligned, zero padded."""
    width = max(int((stop - start).max()) if len(start) else 0, 1)
    return _shift_rows(codes, start.astype(np.int64), stop.astype(np.int64), width)


@njit(cache=True, nogil=True)
def _shift_rows(codes, start, stop, width):  # pragma: no cover - compiled
    out = np.zeros((codes.shape[0], width), dtype=np.uint32)
    for r in range(codes.shape[0]):
        for j in range(stop[r] - start[r]):
            out[r, j] = codes[r, start[r] + j]
    return out


@dataclass(frozen=True)
class AddressColumn:
    province: np.ndarray  # int32[n], 0 unknown
    city: np.ndarray  # int64[n], index + 1 into `cities`, 0 none
    cities: list[str]
    rest_codes: np.ndarray  # uint32[D, w] code points of the rest, per distinct address
    row_index: np.ndarray  # int64[n] row -> distinct address
    present: np.ndarray  # bool[n] the record has an address of its own


def prepare_addresses(column: pa.Array) -> AddressColumn:
    """Column version of `parse_address`: Arrow kernels, then one Numba pass over code points."""
    raw, row_index = distinct_array(column)
    text = pc.replace_substring_regex(nfkc(raw), _SPACES, "")
    has = pc.utf8_length(text).to_numpy(zero_copy_only=False) > 0
    texts = pc.utf8_slice_codeunits(convert_lines(_t2s().convert, text), 0, MAX_ADDRESS_CHARS)
    codes = code_matrix(texts.to_pylist())
    province, city_start, city_stop, rest_start = _split_codes(
        codes.astype(np.int64), _NAME_CODES, _NAME_LENGTHS_ARR, _NAME_PROVINCE,
        _SUFFIX_CODES, _SUFFIX_LENGTHS, _MUNICIPAL,
    )  # fmt: skip
    lengths = (codes != 0).sum(axis=1)
    municipal = city_start < 0
    city_codes = _shifted(codes, np.maximum(city_start, 0), np.maximum(city_stop, 0))
    if municipal.any():
        short = code_matrix([PROVINCES[int(p)][1] for p in province[municipal]])
        city_codes = _pad_to(city_codes, short.shape[1])
        city_codes[municipal] = _pad_to(short, city_codes.shape[1])
    cities, city_ids = _labels(city_codes)
    return AddressColumn(
        province=province.astype(np.int32)[row_index],
        city=city_ids[row_index],
        cities=cities,
        rest_codes=_shifted(codes, rest_start, lengths),
        row_index=row_index,
        present=has[row_index],
    )


def _pad_to(codes: np.ndarray, width: int) -> np.ndarray:
    if codes.shape[1] >= width:
        return codes
    return np.pad(codes, ((0, 0), (0, width - codes.shape[1])))


def _labels(codes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct non-empty rows as strings, and each row's id (index + 1; 0 for empty)."""
    rows = np.ascontiguousarray(codes, dtype=np.uint32)
    keys = rows.view(np.dtype((np.void, 4 * rows.shape[1]))).ravel()
    uniq, inverse = np.unique(keys, return_inverse=True)
    texts = [str(t) for t in uniq.view(f"<U{rows.shape[1]}").ravel()]
    ids = np.array([0 if t == "" else k + 1 for k, t in enumerate(texts)], dtype=np.int64)
    return texts, ids[inverse.ravel()]

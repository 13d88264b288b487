"""Chinese personal names: normalised text, pinyin, surnames.

A name is normalised by Unicode NFKC (which also turns full-width letters and digits to
half-width), lower case, traditional → simplified characters (OpenCC t2s), and every
separator a clerk may type between the parts of a minority name (`.`, `•`, `・`, `‧`, dashes,
spaces) unified to the middle dot `·` U+00B7. Parts stay in their written order; tokenisers
make the order matter little (unigrams and syllables are order-free; bigrams stay inside parts).

Pinyin comes from pypinyin per distinct *character*: the usual reading for every character and
every reading for the surname, so a polyphonic surname (单 dān/shàn, 曾 céng/zēng, 解 jiě/xiè)
shares a syllable token with a homophone written in its surname reading (善, 增, 谢).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import numpy as np
import opencc
import pyarrow as pa
import pyarrow.compute as pc
from pypinyin import Style, lazy_pinyin, pinyin

from bloom.columns import as_string_array, code_matrix, distinct

SEPARATOR = "\u00b7"
_SEPARATOR_CLASS = (
    "[\t\n\r\f\v .\u00b7\u2022\u2027\u2219\u22c5\u30fb\u2010\u2011\u2012\u2013\u2014\u2015_-]+"
)
_SEPARATORS_RE = re.compile(_SEPARATOR_CLASS)

# Surnames whose reading as a surname differs from the character's most common reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "种": "chong", "缪": "miao",
    "黑": "he", "员": "yun", "召": "shao", "繁": "po", "折": "she", "翟": "zhai",
    "祭": "zhai", "秘": "bi", "句": "gou", "尉": "yu", "长": "chang", "华": "hua",
    "纪": "ji", "任": "ren", "沈": "shen", "重": "chong", "阚": "kan", "车": "che",
    "柏": "bai", "薄": "bo", "藏": "zang", "宿": "su", "相": "xiang", "隗": "wei",
}  # fmt: skip


_LOCAL = threading.local()


def _t2s() -> opencc.OpenCC:
    """One converter per thread (fields are normalised in parallel threads)."""
    converter = getattr(_LOCAL, "t2s", None)
    if converter is None:
        converter = _LOCAL.t2s = opencc.OpenCC("t2s")
    return converter


def normalise_name(raw: str) -> str:
    """Reference normaliser for one name (the column version must agree with it)."""
    text = unicodedata.normalize("NFKC", raw).lower()
    text = _SEPARATORS_RE.sub(SEPARATOR, text).strip(SEPARATOR)
    return _t2s().convert(text) if text else ""


def normalise_names(column: pa.Array) -> tuple[list[str], np.ndarray]:
    """Normalise a whole column: distinct normalised names and each row's index into them."""
    text = as_string_array(column)
    text = pc.utf8_lower(pc.utf8_normalize(text, "NFKC"))
    text = pc.replace_substring_regex(text, _SEPARATOR_CLASS, SEPARATOR)
    text = pc.utf8_trim(text, SEPARATOR)
    values, indices = distinct(text)
    present = [v for v in values if v]
    # One OpenCC call for all distinct names; newlines cannot occur inside a name any more.
    converted = iter(_t2s().convert("\n".join(present)).split("\n")) if present else iter(())
    return [next(converted) if v else "" for v in values], indices


def is_han(ch: str) -> bool:
    return bool(lazy_pinyin(ch, style=Style.NORMAL, errors="ignore"))


def default_reading(ch: str) -> str | None:
    readings = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return readings[0] if readings else None


def all_readings(ch: str) -> tuple[str, ...]:
    if not is_han(ch):
        return ()
    return tuple(dict.fromkeys(pinyin(ch, style=Style.NORMAL, heteronym=True)[0]))


def surname_reading(ch: str) -> str | None:
    return SURNAME_READINGS.get(ch) or default_reading(ch)


def name_parts(name: str) -> list[str]:
    return [p for p in name.split(SEPARATOR) if p]


def reference_syllables(name: str) -> set[str]:
    """Reference: the pinyin syllable tokens of one normalised name."""
    out = {r for ch in name if (r := default_reading(ch))}
    if name:
        out.update(all_readings(name[0]))
        if (s := surname_reading(name[0])) is not None:
            out.add(s)
    return out


SURNAME_SLOTS = 4  # readings kept for the surname character


@dataclass(frozen=True)
class NameColumn:
    """Distinct normalised names as code points, pinyin ids per character, row → distinct."""

    names: list[str]
    codes: np.ndarray  # uint32[D, w], zero padded
    row_index: np.ndarray  # int64[n]
    syllables: list[str]  # vocabulary: id k+1 is syllables[k]
    char_syllable: np.ndarray  # int64[D, w]: default reading id (0: none)
    surname_syllables: np.ndarray  # int64[D, SURNAME_SLOTS]: readings of the first char
    surname_key: np.ndarray  # int64[D]: surname reading id (0: none)

    @property
    def present(self) -> np.ndarray:
        has = np.array([bool(n) for n in self.names], dtype=bool)
        return has[self.row_index]


def prepare_names(column: pa.Array) -> NameColumn:
    names, row_index = normalise_names(column)
    codes = code_matrix(names)
    vocab: dict[str, int] = {}

    def sid(s: str | None) -> int:
        if s is None:
            return 0
        return vocab.setdefault(s, len(vocab) + 1)

    chars = np.unique(codes)
    chars = chars[chars != 0]
    default = np.zeros(int(chars.max()) + 1 if chars.size else 1, dtype=np.int64)
    for c in chars.tolist():
        default[c] = sid(default_reading(chr(c)))
    char_syllable = default[codes]
    first = codes[:, 0] if codes.shape[1] else np.zeros(len(names), np.uint32)
    readings_of = np.zeros((default.size, SURNAME_SLOTS), dtype=np.int64)
    surname_of = np.zeros(default.size, dtype=np.int64)
    firsts = np.unique(first)
    for c in firsts[firsts != 0].tolist():
        ch = chr(c)
        readings = [sid(r) for r in all_readings(ch)]
        readings_of[c] = (readings + [0] * SURNAME_SLOTS)[:SURNAME_SLOTS]
        surname_of[c] = sid(surname_reading(ch)) if is_han(ch) else 0
    surname_syllables = readings_of[first]
    surname_key = surname_of[first]
    syllables = [""] * len(vocab)
    for s, k in vocab.items():
        syllables[k - 1] = s
    return NameColumn(
        names=names,
        codes=codes,
        row_index=row_index,
        syllables=syllables,
        char_syllable=char_syllable,
        surname_syllables=surname_syllables,
        surname_key=surname_key,
    )

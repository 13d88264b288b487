"""Chinese personal names: normalised text, pinyin, surnames.

A name is normalised by Unicode NFKC (which also turns full-width letters and digits to
half-width), lower case, traditional → simplified characters (OpenCC t2s), and every
separator a clerk may type between the parts of a minority name (`.`, `•`, `・`, `‧`, dashes,
spaces) unified to the middle dot `·` U+00B7. Parts stay in their written order; tokenisers
make the order matter little (unigrams and syllables are order-free; bigrams stay inside parts).

Pinyin comes from pypinyin's character dictionary (`bloom.pinyin_table`): the usual reading
for every character and every reading for the surname, so a polyphonic surname
(单 dān/shàn, 曾 céng/zēng, 解 jiě/xiè) shares a syllable token with a homophone written in
its surname reading (善, 增, 谢).
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

from bloom import pinyin_table
from bloom.columns import code_matrix, convert_lines, distinct_array

SEPARATOR = "\u00b7"
MAX_NAME_CHARS = 32  # longer values are cut (they are not names, and must not inflate memory)
_SEPARATOR_CLASS = (
    "[\t\n\r\f\v .\u00b7\u2022\u2027\u2219\u22c5\u30fb\u2010\u2011\u2012\u2013\u2014\u2015_-]+"
)
_SEPARATORS_RE = re.compile(_SEPARATOR_CLASS)

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
    return _t2s().convert(text)[:MAX_NAME_CHARS] if text else ""


def normalise_names(column: pa.Array) -> tuple[list[str], np.ndarray]:
    """Normalise a whole column: distinct normalised names and each row's index into them."""
    raw, indices = distinct_array(column)
    text = pc.utf8_lower(pc.utf8_normalize(raw, "NFKC"))
    text = pc.replace_substring_regex(text, _SEPARATOR_CLASS, SEPARATOR)
    text = pc.utf8_trim(text, SEPARATOR)
    # One OpenCC call for all distinct names; newlines cannot occur inside a name any more.
    converted = convert_lines(_t2s().convert, text)
    return pc.utf8_slice_codeunits(converted, 0, MAX_NAME_CHARS).to_pylist(), indices


def name_parts(name: str) -> list[str]:
    return [p for p in name.split(SEPARATOR) if p]


def romanised_syllables(name: str) -> list[str]:
    """Parts of a name written in pinyin ("zhang·wei") that are single pinyin syllables."""
    known = pinyin_table.table().syllable_ids
    return [p for p in name_parts(name) if p.isascii() and p in known][:ROMANISED_SLOTS]


SURNAME_SLOTS = pinyin_table.SLOTS  # readings kept for the surname character
ROMANISED_SLOTS = 4  # pinyin-written name parts kept as syllables


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
    romanised: np.ndarray  # int64[D, ROMANISED_SLOTS]: syllables written in pinyin (0: none)

    @property
    def present(self) -> np.ndarray:
        has = np.array([bool(n) for n in self.names], dtype=bool)
        return has[self.row_index]


def prepare_names(column: pa.Array) -> NameColumn:
    names, row_index = normalise_names(column)
    codes = code_matrix(names)
    t = pinyin_table.table()
    char_syllable = t.default_of(codes).astype(np.int64)
    first = codes[:, 0] if codes.shape[1] else np.zeros(len(names), np.uint32)
    romanised = np.zeros((len(names), ROMANISED_SLOTS), dtype=np.int64)
    latin = (codes >= ord("a")) & (codes <= ord("z"))
    for d in np.flatnonzero(latin.any(axis=1)).tolist():  # rare: names typed in pinyin
        ids = [t.syllable_ids[p] for p in romanised_syllables(names[d])]
        romanised[d, : len(ids)] = ids
    return NameColumn(
        names=names,
        codes=codes,
        row_index=row_index,
        syllables=t.syllables,
        char_syllable=char_syllable,
        surname_syllables=t.lookup(first).astype(np.int64),
        surname_key=t.surname_of(first).astype(np.int64),
        romanised=romanised,
    )

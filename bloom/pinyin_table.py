"""Toneless pinyin for every character pypinyin knows, as arrays indexed by code point.

Built once per process from pypinyin's public character dictionary (static reference data,
nothing from the records), so a column of names gets its pinyin by array look-ups instead of
a pypinyin call per character. The first reading is pypinyin's usual reading; the others
follow in pypinyin's order. `ü` is written `v`, as pypinyin's NORMAL style does.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

import numpy as np
from pypinyin.pinyin_dict import pinyin_dict

SLOTS = 4  # readings kept per character

# Surnames whose reading as a surname differs from the character's most common reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "种": "chong", "缪": "miao",
    "黑": "he", "员": "yun", "召": "shao", "繁": "po", "折": "she", "翟": "zhai",
    "祭": "zhai", "秘": "bi", "句": "gou", "尉": "yu", "长": "chang", "华": "hua",
    "纪": "ji", "任": "ren", "沈": "shen", "重": "chong", "阚": "kan", "车": "che",
    "柏": "bai", "薄": "bo", "藏": "zang", "宿": "su", "相": "xiang", "隗": "wei",
}  # fmt: skip


@dataclass(frozen=True)
class PinyinTable:
    syllables: list[str]  # id k (>= 1) is syllables[k - 1]
    readings: np.ndarray  # int32[max code point + 1, SLOTS], 0: none
    surname: np.ndarray  # int32[max code point + 1]: reading as a surname, 0: none
    syllable_ids: dict[str, int]  # syllable -> id
    default: np.ndarray  # int32[max code point + 1]: readings[:, 0], contiguous

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """Readings of code points (any shape) -> int32[..., SLOTS]."""
        inside = codes < self.readings.shape[0]
        return np.where(inside[..., None], self.readings[np.where(inside, codes, 0)], 0)

    def default_of(self, codes: np.ndarray) -> np.ndarray:
        """The usual reading of code points (any shape), 0 where none."""
        inside = codes < self.default.shape[0]
        return np.where(inside, self.default[np.where(inside, codes, 0)], 0)

    def surname_of(self, codes: np.ndarray) -> np.ndarray:
        inside = codes < self.surname.shape[0]
        return np.where(inside, self.surname[np.where(inside, codes, 0)], 0)


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _build() -> PinyinTable:
    per_char = {
        cp: tuple(dict.fromkeys(_toneless(r) for r in text.split(",")))
        for cp, text in pinyin_dict.items()
    }
    syllables = sorted({s for rs in per_char.values() for s in rs})
    ids = {s: k + 1 for k, s in enumerate(syllables)}
    size = max(per_char) + 1
    readings = np.zeros((size, SLOTS), dtype=np.int32)
    for cp, rs in per_char.items():
        row = [ids[s] for s in rs[:SLOTS]]
        readings[cp, : len(row)] = row
    surname = readings[:, 0].copy()
    for ch, reading in SURNAME_READINGS.items():
        surname[ord(ch)] = ids[reading]
    default = np.ascontiguousarray(readings[:, 0])
    return PinyinTable(syllables, readings, surname, ids, default)


_LOCK = threading.Lock()
_TABLE: list[PinyinTable] = []


def table() -> PinyinTable:
    with _LOCK:
        if not _TABLE:
            _TABLE.append(_build())
        return _TABLE[0]

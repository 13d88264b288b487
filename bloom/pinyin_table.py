"""Toneless pinyin for every character pypinyin knows, as arrays indexed by code point.

Made from pypinyin's public character dictionary (static reference data, nothing from the
records), so a column of names gets its pinyin by array look-ups instead of a pypinyin call per
character. The first reading is pypinyin's usual reading; the others follow in pypinyin's order.
`ü` is written `v`, as pypinyin's NORMAL style does.

The table ships precomputed in `bloom/data/pinyin.npz` (about 0.01 s to load, where importing
pypinyin and building it takes about 1 s of every command's start-up). `build()` makes it from
pypinyin; `python -m bloom.pinyin_table` rewrites the file after a pypinyin upgrade, and a test
checks that the shipped file equals what `build()` makes.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


SHIPPED = Path(__file__).with_name("data") / "pinyin.npz"


def _table(syllables: list[str], readings: np.ndarray) -> PinyinTable:
    ids = {s: k + 1 for k, s in enumerate(syllables)}
    surname = readings[:, 0].copy()
    for ch, reading in SURNAME_READINGS.items():
        surname[ord(ch)] = ids[reading]
    default = np.ascontiguousarray(readings[:, 0])
    return PinyinTable(syllables, readings, surname, ids, default)


def build() -> PinyinTable:
    """The table made from pypinyin's dictionary (slow: the reference for the shipped file)."""
    from pypinyin.pinyin_dict import pinyin_dict

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
    return _table(syllables, readings)


def write(table_: PinyinTable, path: Path = SHIPPED) -> None:
    """Store the table compactly: the code points that have a reading and their rows."""
    codes = np.flatnonzero(table_.readings.any(axis=1)).astype(np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:  # a file object: np.savez would append ".npz" to a name
        np.savez_compressed(
            handle,
            size=np.int64(table_.readings.shape[0]),
            codes=codes,
            rows=table_.readings[codes].astype(np.uint16),
            syllables=np.array("\n".join(table_.syllables)),
        )


def load(path: Path = SHIPPED) -> PinyinTable:
    with np.load(path) as data:
        readings = np.zeros((int(data["size"]), SLOTS), dtype=np.int32)
        readings[data["codes"]] = data["rows"]
        syllables = str(data["syllables"]).split("\n")
    return _table(syllables, readings)


_LOCK = threading.Lock()
_TABLE: list[PinyinTable] = []


def table() -> PinyinTable:
    with _LOCK:
        if not _TABLE:
            _TABLE.append(load())
        return _TABLE[0]


if __name__ == "__main__":
    write(build())
    print(f"wrote {SHIPPED}")

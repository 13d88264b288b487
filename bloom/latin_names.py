"""Names written in Latin letters (given names, surnames): normalised text and phonetic codes.

A name is folded by Unicode NFKD with its accents dropped (Zoë -> zoe), `casefold` (ß -> ss),
apostrophes removed (O'Brien -> obrien), and every other run of characters that are not
letters (spaces, hyphens, dots, digits) turned into one space between the name's parts.

Phonetic codes come from `jellyfish` (one table, `PHONETIC`): each part of a name gets its own
code, so a misspelling that sounds alike (catherine / kathryn) shares the code token, and a
dropped second part keeps the first part's. Codes are computed once per distinct name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import jellyfish
import numpy as np
import pyarrow as pa

from bloom.columns import code_matrix, map_distinct

MAX_LATIN_NAME_CHARS = 48  # longer values are cut (they are not names)
PART_SLOTS = 3  # name parts that get a phonetic code each

# Phonetic algorithm -> code of one lower-case part. Names are token kinds and blocking parts.
PHONETIC: dict[str, Callable[[str], str]] = {
    "soundex": jellyfish.soundex,
    "metaphone": jellyfish.metaphone,
    "nysiis": jellyfish.nysiis,
}

_APOSTROPHES = re.compile("['\u2019\u02bc`]")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def normalise_latin_name(raw: str) -> str:
    """The normalised name: lower-case letters, parts separated by single spaces."""
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _NOT_LETTERS.sub(" ", _APOSTROPHES.sub("", text)).strip()
    return text[:MAX_LATIN_NAME_CHARS].rstrip()


def phonetic_codes(name: str, algorithm: str) -> list[str]:
    """The code of each of the first `PART_SLOTS` parts (parts without a code are skipped)."""
    encode = PHONETIC[algorithm]
    codes = [encode(p) for p in name.split(" ")[:PART_SLOTS] if p]
    return [c for c in codes if c]


@dataclass(frozen=True)
class LatinNameColumn:
    """Distinct normalised names as code points (0-padded) and each row's index into them."""

    names: list[str]
    codes: np.ndarray  # uint32[D, w]
    row_index: np.ndarray  # int64[n]

    @property
    def present(self) -> np.ndarray:
        return self.codes.any(axis=1)[self.row_index]

    def phonetic(self, algorithm: str, whole: bool = False) -> tuple[np.ndarray, list[str]]:
        """(int64[D, PART_SLOTS] code ids, 0 for none; the codes: id k is codes[k - 1]).

        `whole`: one code per name, of its parts written together (for blocking keys)."""
        per_name = [
            phonetic_codes(n.replace(" ", ""), algorithm) if whole else phonetic_codes(n, algorithm)
            for n in self.names
        ]
        vocabulary = sorted({c for codes in per_name for c in codes})
        ids = {c: k + 1 for k, c in enumerate(vocabulary)}
        keys = np.zeros((len(self.names), 1 if whole else PART_SLOTS), dtype=np.int64)
        for d, codes in enumerate(per_name):
            keys[d, : len(codes)] = [ids[c] for c in codes]
        return keys, vocabulary


def prepare_latin_names(column: pa.Array) -> LatinNameColumn:
    names, row_index = map_distinct(column, normalise_latin_name, "")
    return LatinNameColumn(names, code_matrix(names), row_index)

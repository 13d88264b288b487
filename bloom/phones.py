"""Phone numbers: mobile 1[3-9]xxxxxxxxx or landline 0 + area code + number.

Separators, spaces and brackets are dropped, the country code (+86, 0086, 86) is removed
(and the trunk 0 restored for landlines), full-width digits are folded by NFKC.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bloom.columns import as_string_array, ascii_matrix

WIDTH = 12
_NOISE = r"[^0-9+]"
_MOBILE_CC = r"^(?:\+|00)?86(1[3-9][0-9]{9})$"
_LANDLINE_CC = r"^(?:\+|00)86-?0?([1-9][0-9]{8,10})$"
_VALID = r"^(?:1[3-9][0-9]{9}|0[1-9][0-9]{8,10})$"


def normalise_phone(raw: str | None) -> str | None:
    """Reference: the digits of one phone number, None when empty or not a phone number."""
    text = re.sub(_NOISE, "", unicodedata.normalize("NFKC", raw or ""))
    text = re.sub(_MOBILE_CC, r"\1", text)
    text = re.sub(_LANDLINE_CC, r"0\1", text)
    return text if re.match(_VALID, text) else None


def prepare_phones(column: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(uint8[n, 12] ASCII digits, bool[n] present, bool[n] non-empty but invalid)."""
    original = as_string_array(column)
    text = pc.replace_substring_regex(pc.utf8_normalize(original, "NFKC"), _NOISE, "")
    text = pc.replace_substring_regex(text, _MOBILE_CC, r"\1")
    text = pc.replace_substring_regex(text, _LANDLINE_CC, r"0\1")
    valid = pc.fill_null(pc.match_substring_regex(text, _VALID), False).to_numpy(
        zero_copy_only=False
    )
    chars, _ = ascii_matrix(text, WIDTH)
    chars[~valid] = 0
    nonempty = (
        pc.fill_null(pc.utf8_length(pc.utf8_trim_whitespace(original)), 0).to_numpy(
            zero_copy_only=False
        )
        > 0
    )
    return chars, valid, nonempty & ~valid

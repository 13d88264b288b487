"""Token streams: every token of one feature for every record, as integer keys.

A `TokenStream` holds `keys[D, w]` (uint64) with a validity mask, where D is either the number
of records or the number of distinct values (then `row_index` maps each record to its row).
Keys are per-call integers; `render` turns distinct keys into the canonical token bytes that
are hashed, so the encoding depends only on the bytes, never on the integer labels.
Working on integer matrices lets the encoder find distinct tokens with NumPy and hash each
distinct token once per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bloom.distinct import distinct_index

Render = Callable[[np.ndarray], list[bytes]]


@dataclass(frozen=True)
class TokenStream:
    keys: np.ndarray  # integers[D, w] (any integer dtype)
    valid: np.ndarray  # bool[D, w]
    render: Render
    row_index: np.ndarray | None = None  # int64[n] -> D; None when D is the record count

    def per_row(self) -> tuple[np.ndarray, np.ndarray]:
        if self.row_index is None:
            return self.keys, self.valid
        return self.keys[self.row_index], self.valid[self.row_index]


@dataclass(frozen=True)
class Part:
    """One value per record used in blocking keys and salts (e.g. birth year)."""

    keys: np.ndarray  # uint64[n]
    valid: np.ndarray  # bool[n]
    render: Render


@dataclass(frozen=True)
class Symbols:
    """A code matrix rewritten over its own alphabet: symbols 1..A, 0 for padding."""

    sym: np.ndarray  # int32[D, w]
    alphabet: np.ndarray  # code point of symbol k + 1 is alphabet[k]

    @classmethod
    def of(cls, codes: np.ndarray) -> Symbols:
        alphabet, index = distinct_index(codes, codes != 0)
        return cls(index + 1, alphabet)


def _alphabet(codes: np.ndarray | Symbols) -> tuple[np.ndarray, np.ndarray]:
    symbols = codes if isinstance(codes, Symbols) else Symbols.of(codes)
    return symbols.sym, symbols.alphabet


def _decode(alphabet: np.ndarray, symbols: list[int]) -> str:
    return "".join(chr(int(alphabet[s - 1])) for s in symbols)


def qgram_stream(
    codes: np.ndarray | Symbols,
    q: int,
    *,
    separator: int | None = None,
    row_index: np.ndarray | None = None,
) -> TokenStream:
    """Character q-grams of each row of a code matrix; none crosses padding or `separator`."""
    sym, alphabet = _alphabet(codes)
    base = np.int64(alphabet.size + 1)
    if separator is not None:
        stop = sym == (np.searchsorted(alphabet, separator) + 1)
        stop &= np.isin(separator, alphabet)
    else:
        stop = np.zeros(sym.shape, dtype=bool)
    usable = (sym != 0) & ~stop
    d, w = sym.shape
    width = max(w - q + 1, 0)
    keys = sym[:, :width].astype(np.int64)
    valid = usable[:, :width].copy()
    for i in range(1, q):
        keys *= base
        keys += sym[:, i : i + width]
        valid &= usable[:, i : i + width]

    def render(distinct: np.ndarray) -> list[bytes]:
        # Digits of each key in base `base`, most significant first, mapped back to characters.
        symbols = np.zeros((distinct.size, q), dtype=np.int64)
        rest = distinct.astype(np.int64)
        for i in range(q - 1, -1, -1):
            rest, symbols[:, i] = np.divmod(rest, base)
        chars = alphabet[(symbols - 1).astype(np.int64)].astype(np.uint32)
        text = np.ascontiguousarray(chars).view(f"<U{q}").ravel()
        return [t.encode("utf-8") for t in text.tolist()]

    return TokenStream(keys, valid, render, row_index)


def positional_stream(
    codes: np.ndarray | Symbols, *, row_index: np.ndarray | None = None
) -> TokenStream:
    """(position, character) tokens: exact positions, for fixed-layout values like ID numbers."""
    sym, alphabet = _alphabet(codes)
    base = alphabet.size + 1
    positions = np.arange(sym.shape[1], dtype=np.int32)[None, :] * np.int32(base)
    keys = positions + sym

    def render(distinct: np.ndarray) -> list[bytes]:
        b = int(base)
        return [f"{k // b}:{_decode(alphabet, [k % b])}".encode() for k in distinct.tolist()]

    return TokenStream(keys, sym != 0, render, row_index)


def value_stream(codes: np.ndarray, *, row_index: np.ndarray | None = None) -> TokenStream:
    """The whole value as one token."""
    return TokenStream(*_value_keys(codes), row_index)


def _value_keys(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, Render]:
    rows = np.ascontiguousarray(codes)
    as_void = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    uniq, inverse = np.unique(as_void, return_inverse=True)
    texts = _rows_to_text(uniq.view(rows.dtype).reshape(len(uniq), rows.shape[1]))
    present = rows.any(axis=1)

    def render(distinct: np.ndarray) -> list[bytes]:
        return [texts[int(k)].encode("utf-8") for k in distinct.tolist()]

    return inverse.astype(np.uint64).reshape(-1, 1), present.reshape(-1, 1), render


def value_part(codes: np.ndarray, row_index: np.ndarray | None = None) -> Part:
    keys, valid, render = _value_keys(codes)
    keys, valid = keys[:, 0], valid[:, 0]
    if row_index is not None:
        keys, valid = keys[row_index], valid[row_index]
    return Part(keys, valid, render)


def _rows_to_text(rows: np.ndarray) -> list[str]:
    if rows.dtype == np.uint8:
        return [bytes(r).rstrip(b"\0").decode("ascii") for r in rows]
    return [str(s) for s in rows.view(f"<U{rows.shape[1]}").ravel()]


def lookup_render(labels: list[str], offset: int = 1) -> Render:
    """Render keys that index a label list (key k is labels[k - offset])."""

    def render(distinct: np.ndarray) -> list[bytes]:
        return [labels[int(k) - offset].encode("utf-8") for k in distinct.tolist()]

    return render


def format_render(template: str) -> Render:
    def render(distinct: np.ndarray) -> list[bytes]:
        return [template.format(int(k)).encode("utf-8") for k in distinct.tolist()]

    return render


def column_stream(keys: np.ndarray, valid: np.ndarray, render: Render) -> TokenStream:
    """A stream with one token per record."""
    return TokenStream(keys.astype(np.uint64).reshape(-1, 1), valid.reshape(-1, 1), render)

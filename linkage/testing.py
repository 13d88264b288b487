"""Simulated encodings for tests and benchmarks at scales the full encoder would take long for.

Each person has a set of tokens (as an encoder would cut from name, ID number, birth date,
address, phone); each token sets `bits_per_token` positions of a 1024-bit filter. A record is a
copy of its person in which some tokens are replaced (typos, missing fields), which moves the
Dice score the way real corruption does. Blocking keys stand in for keyed HMACs of birth year +
sex and of birth month-day, each wrong with a small probability. Randomness comes from the
seed, so data sets are reproducible. Nothing in the matcher imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from pprl.encoded import (
    FILTER_BITS,
    FILTER_WORDS,
    EncodedDataset,
    Manifest,
    build_table,
    content_hash,
)

FINGERPRINT = "sim-" + "0" * 60
KEY_ID = "sim-key"


@dataclass(frozen=True)
class Population:
    tokens: np.ndarray  # int64[n_persons, tokens_per_person] token ids
    year_sex: np.ndarray  # uint64[n_persons]
    month_day: np.ndarray  # uint64[n_persons]


def population(n: int, seed: int, tokens_per_person: int = 30) -> Population:
    rng = np.random.default_rng(seed)
    return Population(
        tokens=rng.integers(0, 2**40, size=(n, tokens_per_person)),
        year_sex=rng.integers(0, 200, size=n).astype(np.uint64),
        month_day=rng.integers(0, 366, size=n).astype(np.uint64),
    )


@njit(cache=True, nogil=True)
def _scatter(tokens, bits_per_token, out):
    for i in range(tokens.shape[0]):
        for t in range(tokens.shape[1]):
            h = np.uint64(tokens[i, t]) * np.uint64(0x9E3779B97F4A7C15)
            for _ in range(bits_per_token):
                h ^= h >> np.uint64(29)
                h *= np.uint64(0xBF58476D1CE4E5B9)
                h ^= h >> np.uint64(32)
                bit = h & np.uint64(FILTER_BITS - 1)
                out[i, bit >> np.uint64(6)] |= np.uint64(1) << (bit & np.uint64(63))


def extract(
    pop: Population,
    persons: np.ndarray,
    seed: int,
    *,
    token_error: float = 0.08,
    key_error: float = 0.01,
    bits_per_token: int = 10,
    department: str = "sim",
) -> EncodedDataset:
    """A department extract: one record per entry of `persons` (a person may repeat)."""
    rng = np.random.default_rng(seed)
    tokens = pop.tokens[persons].copy()
    wrong = rng.random(tokens.shape) < token_error
    tokens[wrong] = rng.integers(0, 2**40, size=int(wrong.sum()))
    words = np.zeros((len(persons), FILTER_WORDS), dtype=np.uint64)
    _scatter(tokens, bits_per_token, words)
    keys = {}
    for name, values in (("yob_sex", pop.year_sex), ("birth_md", pop.month_day)):
        v = values[persons].copy()
        bad = rng.random(len(v)) < key_error
        v[bad] = rng.integers(0, 2**32, size=int(bad.sum())).astype(np.uint64)
        keys[name] = (v * np.uint64(0x9E3779B97F4A7C15), np.ones(len(v), dtype=bool))
    record_tokens = [f"{x:032x}" for x in rng.integers(0, 2**63, size=len(persons))]
    table = build_table(record_tokens, words.view(np.uint8), keys)
    manifest = Manifest(
        schema_fingerprint=FINGERPRINT,
        key_id=KEY_ID,
        record_count=len(persons),
        content_hash=content_hash(table),
        blocking_keys=tuple(keys),
        department=department,
    )
    from pprl.encoded import dataset_from_table, with_manifest

    return dataset_from_table(with_manifest(table, manifest), f"<{department}>", verify=False)


def linked_pair(n_a: int, n_b: int, overlap: int, seed: int, **kwargs):
    """Two extracts sharing `overlap` persons; returns (a, b, person_a, person_b)."""
    pop = population(n_a + n_b - overlap, seed)
    person_a = np.arange(n_a)
    person_b = np.concatenate([np.arange(overlap), np.arange(n_a, n_a + n_b - overlap)])
    rng = np.random.default_rng(seed + 1)
    person_b = rng.permutation(person_b)
    a = extract(pop, person_a, seed + 2, department="A", **kwargs)
    b = extract(pop, person_b, seed + 3, department="B", **kwargs)
    return a, b, person_a, person_b

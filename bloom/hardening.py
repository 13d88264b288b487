"""Hardening a filter against frequency and pattern attacks.

- Salting (done while hashing): each token's bytes are prefixed by a stable value of the
  record (e.g. birth year), so equal tokens of people born in different years set unrelated
  bits. Records can then only match when the salt values agree.
- XOR-folding: the filter is built twice as long and its halves are XORed (Schnell et al.),
  so no single bit reveals a token.
- Balancing: the filter is built half as long and concatenated with its complement, then the
  bits are permuted by a key-derived permutation: every filter has exactly half its bits set,
  hiding how many tokens the record has.
- BLIP (bit-flip randomised response): every bit is flipped independently with probability
  p = 1 / (1 + e^ε). Each bit is then ε-differentially private; a record that changes t
  token positions is (t·ε)-differentially private. Matching scores fall accordingly.
"""

from __future__ import annotations

import numpy as np

from bloom.secret import LinkageSecret


def xor_fold(bits: np.ndarray) -> np.ndarray:
    half = bits.shape[1] // 2
    return np.bitwise_xor(bits[:, :half], bits[:, half:])


def balance(bits: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """`bits` (packed, L/2 bits) -> packed L bits: complement appended, columns permuted."""
    dense = np.unpackbits(bits, axis=1)
    doubled = np.concatenate([dense, 1 - dense], axis=1)
    return np.packbits(doubled[:, permutation], axis=1)


def keyed_generator(secret: LinkageSecret, info: bytes) -> np.random.Generator:
    """A random generator only the secret's holders can reproduce (one per `info`)."""
    seed = int.from_bytes(secret.derive(info, 32), "big")
    return np.random.Generator(np.random.Philox(key=seed % 2**128))


def balance_permutation(secret: LinkageSecret, info: bytes, nbits: int) -> np.ndarray:
    return keyed_generator(secret, info).permutation(nbits)


def blip(bits: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(epsilon))
    flips = rng.random((bits.shape[0], bits.shape[1] * 8)) < p
    return np.bitwise_xor(bits, np.packbits(flips, axis=1))

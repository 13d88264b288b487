"""What every attack starts from: the matcher's view, the public reference and the schema.

`AttackContext` works out, from the schema alone (which the attacker knows), what each keyed
blocking key combines (birth year, sex, surname, whole name, region), and derives the
partitions the keys reveal on the encoded side: records sharing any year-bearing key share
the birth year, so the connected components over those keys are the year classes; records
sharing a surname-bearing key or the whole-name key share the surname reading, so the
components over those are surname classes spanning all years. Every partition comes from
equality of key values only, never from a key or the plaintext of an encoded record.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bloom.attacks.align import components, dense_ids
from bloom.attacks.plain import PlainTable
from bloom.attacks.view import MatcherView
from bloom.schema import BlockingSpec, FieldType, PartRef, Schema


class Role(enum.Enum):
    YEAR = "year"
    SEX = "sex"
    SURNAME = "surname"  # surname_pinyin / surname_reading / surname
    NAME = "name"  # whole name: reading / value
    REGION = "region"
    OTHER = "other"


def part_role(schema: Schema, part: PartRef) -> Role:
    kind = schema.field(part.field).type
    if (kind is FieldType.DATE and part.part == "year") or (
        kind is FieldType.CN_ID and part.part == "birth_year"
    ):
        return Role.YEAR
    if kind is FieldType.SEX:
        return Role.SEX
    if kind is FieldType.CHINESE_NAME:
        if part.part in ("surname", "surname_pinyin", "surname_reading"):
            return Role.SURNAME
        return Role.NAME
    if part.part in ("province", "region", "city"):
        return Role.REGION
    return Role.OTHER


@dataclass(frozen=True)
class KeyInfo:
    spec: BlockingSpec
    roles: tuple[Role, ...]

    @property
    def name(self) -> str:
        return self.spec.name


class AttackContext:
    def __init__(self, view: MatcherView, reference: PlainTable, schema: Schema) -> None:
        self.view = view
        self.ref = reference
        self.schema = schema
        present = set(view.blocking)
        self.keys = [
            KeyInfo(spec, tuple(part_role(schema, p) for p in spec.parts))
            for spec in schema.blocking
            if spec.name in present
        ]

    @property
    def n(self) -> int:
        return len(self.view)

    def key(self, *roles: Role, exact: bool = False) -> list[KeyInfo]:
        """Keys containing all `roles` (exactly these roles when `exact`)."""
        want = set(roles)
        out = []
        for k in self.keys:
            have = set(k.roles)
            if want <= have and (not exact or have == want):
                out.append(k)
        return out

    @cached_property
    def groups(self) -> dict[str, np.ndarray]:
        return {k.name: self.view.key_groups(k.name) for k in self.keys}

    @cached_property
    def ref_labels(self) -> dict[str, np.ndarray]:
        return {k.name: self.ref.part_labels(k.spec) for k in self.keys}

    @cached_property
    def year_classes(self) -> np.ndarray:
        """Components over every year-bearing key: one birth year each (-1: no such key)."""
        keys = self.key(Role.YEAR)
        return components([self.groups[k.name] for k in keys], self.n)

    @cached_property
    def sex_year_groups(self) -> np.ndarray:
        """Groups of a key made of exactly (year, sex): one sex within one year class."""
        keys = self.key(Role.YEAR, Role.SEX, exact=True)
        if not keys:
            return np.full(self.n, -1, dtype=np.int64)
        return self.groups[keys[0].name]

    @cached_property
    def surname_key(self) -> KeyInfo | None:
        """The surname-bearing key used for surname classes (its surname part kind is the one
        the whole-name reading agrees with, when there is a choice)."""
        keys = self.key(Role.SURNAME)
        if not keys:
            return None
        for k in keys:
            if any(p.part == "surname_pinyin" for p in k.spec.parts):
                return k
        return keys[0]

    @cached_property
    def name_key(self) -> KeyInfo | None:
        keys = [k for k in self.key(Role.NAME) if len(k.roles) == 1]
        return keys[0] if keys else None

    @cached_property
    def surname_classes(self) -> np.ndarray:
        """Components over the surname key and the whole-name key: one surname reading each,
        linked across birth years through people of different years who share a whole name."""
        cols = []
        if self.surname_key is not None:
            cols.append(self.groups[self.surname_key.name])
        if self.name_key is not None:
            cols.append(self.groups[self.name_key.name])
        if not cols:
            return np.full(self.n, -1, dtype=np.int64)
        return components(cols, self.n)

    @cached_property
    def name_groups(self) -> np.ndarray:
        if self.name_key is None:
            return np.full(self.n, -1, dtype=np.int64)
        return self.groups[self.name_key.name]

    # --- the reference, as the attacker tabulates it --------------------------------------

    @cached_property
    def ref_attr(self) -> dict[str, np.ndarray]:
        return self.ref.attributes

    def ref_part(self, role: Role) -> np.ndarray | None:
        """Per reference record, the plaintext of the first key part with `role` (bytes)."""
        for k in self.keys:
            for part, r in zip(k.spec.parts, k.roles, strict=True):
                if r is role and (role is not Role.SURNAME or k is self.surname_key):
                    spec = BlockingSpec(k.name + ":" + part.part, (part,))
                    return self.ref.part_labels(spec)
        return None

    @cached_property
    def ref_surname_part(self) -> np.ndarray | None:
        return self.ref_part(Role.SURNAME)

    @cached_property
    def ref_name_part(self) -> np.ndarray | None:
        if self.name_key is None:
            return None
        return self.ref.part_labels(self.name_key.spec)

    def most_common_value(self, keys: np.ndarray, values: np.ndarray) -> dict:
        """For each key (e.g. a surname reading), the most common reference value with it."""
        counts: dict = {}
        for k, v in zip(keys.tolist(), values.tolist(), strict=True):
            if k is None or v is None:
                continue
            counts.setdefault(k, Counter())[v] += 1
        return {k: c.most_common(1)[0][0] for k, c in counts.items()}

    @cached_property
    def scale(self) -> float:
        """Encoded records per reference record (to turn reference counts into expectations)."""
        return self.n / max(self.ref.n, 1)


def ids_and_sizes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = dense_ids(groups, groups >= 0)
    sizes = np.bincount(ids[ids >= 0]) if (ids >= 0).any() else np.zeros(0, dtype=np.int64)
    return ids, sizes

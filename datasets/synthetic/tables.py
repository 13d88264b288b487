"""Reference tables shipped in `data/` (surnames, given names, regions, character tables).

Loaded once per process; these are public reference data, never secrets. Every table keeps
the file's order so that sampling is deterministic across machines.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np


def _text(name: str) -> str:
    return resources.files("pprl_synthetic").joinpath("data", name).read_text(encoding="utf-8")


def _csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_text(name).splitlines()))


def zipf_weights(n: int, exponent: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return w / w.sum()


@dataclass(frozen=True)
class Surnames:
    names: np.ndarray  # object array of str
    probabilities: np.ndarray  # float64, sums to 1
    cdf: np.ndarray


@lru_cache(maxsize=1)
def surnames() -> Surnames:
    rows = _csv("surnames.csv")
    names = np.array([r["surname"] for r in rows], dtype=object)
    p = np.array([float(r["share_percent"]) for r in rows])
    p = p / p.sum()
    return Surnames(names, p, np.cumsum(p))


@dataclass(frozen=True)
class NamePool:
    """One (era, sex) pool: characters and their cumulative Zipf weights."""

    single: np.ndarray
    single_cdf: np.ndarray
    first: np.ndarray
    first_cdf: np.ndarray
    second: np.ndarray
    second_cdf: np.ndarray
    single_share: float


@dataclass(frozen=True)
class GivenNames:
    era_until: np.ndarray  # int32 last birth year of each era
    pools: tuple[tuple[NamePool, NamePool], ...]  # per era: (male, female)


def _pool(spec: dict[str, str], share: float, exponent: float) -> NamePool:
    def arr(chars: str) -> tuple[np.ndarray, np.ndarray]:
        unique = list(dict.fromkeys(chars))
        return np.array(unique, dtype=object), np.cumsum(zipf_weights(len(unique), exponent))

    s, sc = arr(spec["single"])
    f, fc = arr(spec["first"])
    t, tc = arr(spec["second"])
    return NamePool(s, sc, f, fc, t, tc, share)


@lru_cache(maxsize=1)
def given_names() -> GivenNames:
    spec = json.loads(_text("given_names.json"))
    exp = float(spec["zipf_exponent"])
    until = np.array([e["until_year"] for e in spec["eras"]], dtype=np.int32)
    pools = tuple(
        (_pool(e["male"], e["single_share"], exp), _pool(e["female"], e["single_share"], exp))
        for e in spec["eras"]
    )
    return GivenNames(until, pools)


@dataclass(frozen=True)
class MinorityNames:
    male: np.ndarray
    male_cdf: np.ndarray
    female: np.ndarray
    female_cdf: np.ndarray
    mongolian_male: np.ndarray
    mongolian_male_cdf: np.ndarray
    mongolian_female: np.ndarray
    mongolian_female_cdf: np.ndarray


@lru_cache(maxsize=1)
def minority_names() -> MinorityNames:
    spec = json.loads(_text("minority_names.json"))
    exp = float(spec["zipf_exponent"])

    def pool(key: str) -> tuple[np.ndarray, np.ndarray]:
        names = np.array(spec[key], dtype=object)
        return names, np.cumsum(zipf_weights(len(names), exp))

    return MinorityNames(
        *pool("male"), *pool("female"), *pool("mongolian_male"), *pool("mongolian_female")
    )


@dataclass(frozen=True)
class Regions:
    code: np.ndarray  # int32 six-digit codes
    province: np.ndarray  # object str
    prefecture: np.ndarray
    county: np.ndarray
    group: np.ndarray
    minority_share: np.ndarray  # float64: households with `given·father` names (Xinjiang)
    mongolian_share: np.ndarray  # float64: households with Mongolian names (Inner Mongolia)
    plate_prefix: np.ndarray

    def indices_of_group(self, group: str) -> np.ndarray:
        return np.flatnonzero(self.group == group)


@lru_cache(maxsize=1)
def regions() -> Regions:
    rows = _csv("regions.csv")

    def col(name: str) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=object)

    return Regions(
        code=np.array([int(r["code"]) for r in rows], dtype=np.int32),
        province=col("province"),
        prefecture=col("prefecture"),
        county=col("county"),
        group=col("group"),
        minority_share=np.array([float(r["minority_share"]) for r in rows]),
        mongolian_share=np.array([float(r["mongolian_share"]) for r in rows]),
        plate_prefix=col("plate_prefix"),
    )


@lru_cache(maxsize=1)
def homophones() -> dict[str, list[str]]:
    return json.loads(_text("homophones.json"))


@lru_cache(maxsize=1)
def traditional() -> dict[str, str]:
    return json.loads(_text("traditional.json"))


@lru_cache(maxsize=1)
def polyphonic_surnames() -> dict[str, str]:
    """Surname -> the character a clerk writes when reading it with its common reading."""
    return {r["surname"]: r["misread_as"] for r in _csv("polyphonic_surnames.csv")}


# Mobile number prefixes in use by the three carriers (MIIT allocations), and their shares.
MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 145, 147, 150, 151, 152, 153, 155, 156,
     157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188,
     189, 191, 198, 199],
    dtype=np.int64,
)  # fmt: skip

# Age pyramid of the 2020 census (share of population in 5-year bands 0-4 ... 95-99, percent).
AGE_BANDS_PERCENT = np.array(
    [5.5, 6.4, 6.2, 5.3, 5.3, 6.6, 8.7, 7.1, 6.7, 8.3, 8.7, 7.2, 5.2, 5.6, 3.9, 2.4, 1.5, 0.7,
     0.25, 0.05],
)  # fmt: skip

ROADS = np.array(
    ["人民路", "解放路", "建设路", "中山路", "和平路", "胜利路", "新华路", "文化路", "光明路",
     "幸福路", "团结路", "友谊路", "长江路", "黄河路", "迎宾大道", "开发区大道", "东风路",
     "朝阳路", "青年路", "健康路", "学府路", "花园路", "工业路", "振兴路"],
    dtype=object,
)  # fmt: skip
VILLAGE_CHARS = np.array(
    list("东西南北新旧大小上下前后高李王张刘陈杨赵黄周吴马河山林桥湾庄"), dtype=object
)
VILLAGE_SUFFIX = np.array(["村", "庄村", "营村", "湾村", "屯", "家村"], dtype=object)

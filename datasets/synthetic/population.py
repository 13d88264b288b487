"""A synthetic population, generated household by household in vectorised chunks.

Each chunk draws households (size, roles, ages, sexes, one residence county), then names,
birth dates, ID numbers, addresses and phones for every member. Everything is drawn from the
`numpy.random.Generator` passed in, so a chunk is a pure function of its seed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from pprl_synthetic import idnumber, tables


class Role(enum.IntEnum):
    HEAD = 0
    SPOUSE = 1
    CHILD = 2
    PARENT_OF_HEAD = 3


class Status(enum.IntEnum):
    """Circumstances of a person that another department records (orphan scenario)."""

    NONE = 0
    DEAD = 1
    MISSING = 2
    SEVERELY_DISABLED = 3
    SERIOUSLY_ILL = 4
    IMPRISONED = 5
    DRUG_REHABILITATION = 6
    LOST_CONTACT = 7
    GUARDIANSHIP_REVOKED = 8
    DEPORTED = 9


MALE, FEMALE = 1, 2
MIDDLE_DOT = "\u00b7"
# Decimal text of small numbers, looked up instead of converted (conversion is slow).
NUMBER_TEXT = np.array([str(i) for i in range(2000)], dtype=object)


@dataclass(frozen=True)
class PopulationConfig:
    """Population parameters. Region weights are by group name in `data/regions.csv`."""

    reference_date: str = "2025-06-30"
    region_weights: tuple[tuple[str, float], ...] = (
        ("xinjiang", 0.25),
        ("yancheng", 0.2),
        ("bayannur", 0.15),
        ("jian", 0.2),
        ("national", 0.2),
    )
    household_size_shares: tuple[float, ...] = (0.25, 0.30, 0.21, 0.13, 0.07, 0.04)
    couple_share: float = 0.85  # second member of a household is the head's spouse
    elder_share: float = 0.3  # households of 4+ whose last member is the head's parent
    male_head_share: float = 0.8
    born_elsewhere_share: float = 0.15  # ID region code differs from the residence county
    mothers_surname_share: float = 0.08
    phone_share: float = 0.95  # persons aged 16+ with a mobile number
    urban_share: float = 0.6
    parent_status_rate: float = 0.06  # parents of minors with a recorded circumstance
    adult_status_rate: float = 0.004
    status_weights: tuple[float, ...] = (0.35, 0.1, 0.2, 0.1, 0.15, 0.05, 0.03, 0.01, 0.01)


@dataclass(frozen=True)
class Population:
    """Parallel arrays, one element per person."""

    person_id: np.ndarray  # int64, global
    household_id: np.ndarray  # int64, global
    role: np.ndarray  # uint8 Role
    sex: np.ndarray  # uint8 1 male, 2 female
    birth_date: np.ndarray  # datetime64[D]
    age: np.ndarray  # int16 at the reference date
    region: np.ndarray  # int32 index into tables.regions(): residence
    birth_region: np.ndarray  # int32 index: region code of the ID number
    minority: np.ndarray  # bool: name is `given·father's name`
    surname: np.ndarray  # object str: father's given name for `·` names, "" for Mongolian
    given: np.ndarray  # object str
    name: np.ndarray  # object str, as on the ID card
    id_number: np.ndarray  # S18
    address: np.ndarray  # object str
    phone: np.ndarray  # int64 11-digit mobile number, 0 = none
    status: np.ndarray  # uint8 Status
    father: np.ndarray  # int64 global person id of the father in the household, or -1
    mother: np.ndarray  # int64, or -1

    def __len__(self) -> int:
        return len(self.person_id)

    def county_names(self) -> np.ndarray:
        return tables.regions().county[self.region]

    def take(self, idx: np.ndarray) -> Population:
        return Population(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})


def _age_cdf() -> np.ndarray:
    per_year = np.repeat(tables.AGE_BANDS_PERCENT / 5.0, 5)
    return np.cumsum(per_year) / per_year.sum()


_AGE_CDF = _age_cdf()


def sample_ages(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Ages from the census pyramid truncated to [lo, hi] per element (inverse CDF)."""
    lo = np.clip(lo, 0, 99)
    hi = np.clip(np.maximum(hi, lo), 0, 99)
    c_lo = np.where(lo > 0, _AGE_CDF[np.maximum(lo - 1, 0)], 0.0)
    c_hi = _AGE_CDF[hi]
    u = c_lo + rng.random(len(lo)) * (c_hi - c_lo)
    return np.clip(np.searchsorted(_AGE_CDF, u, side="right"), lo, hi).astype(np.int16)


def _pick(rng: np.random.Generator, values: np.ndarray, cdf: np.ndarray, n: int) -> np.ndarray:
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return values[np.minimum(idx, len(values) - 1)]


def han_given_names(
    rng: np.random.Generator, birth_year: np.ndarray, sex: np.ndarray
) -> np.ndarray:
    """Given names of one or two characters, by sex and birth era."""
    gn = tables.given_names()
    era = np.minimum(np.searchsorted(gn.era_until, birth_year), len(gn.pools) - 1)
    out = np.empty(len(sex), dtype=object)
    for e, pools in enumerate(gn.pools):
        for s, pool in ((MALE, pools[0]), (FEMALE, pools[1])):
            idx = np.flatnonzero((era == e) & (sex == s))
            if len(idx) == 0:
                continue
            single = rng.random(len(idx)) < pool.single_share
            first = _pick(rng, pool.first, pool.first_cdf, len(idx))
            second = _pick(rng, pool.second, pool.second_cdf, len(idx))
            one = _pick(rng, pool.single, pool.single_cdf, len(idx))
            out[idx] = np.where(single, one, first + second)
    return out


def minority_given_names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    mn = tables.minority_names()
    male = _pick(rng, mn.male, mn.male_cdf, len(sex))
    female = _pick(rng, mn.female, mn.female_cdf, len(sex))
    return np.where(sex == MALE, male, female)


def mongolian_names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    mn = tables.minority_names()
    male = _pick(rng, mn.mongolian_male, mn.mongolian_male_cdf, len(sex))
    female = _pick(rng, mn.mongolian_female, mn.mongolian_female_cdf, len(sex))
    return np.where(sex == MALE, male, female)


def _regions_for_households(rng: np.random.Generator, cfg: PopulationConfig, n: int) -> np.ndarray:
    reg = tables.regions()
    groups = [reg.indices_of_group(g) for g, _ in cfg.region_weights]
    w = np.array([w for _, w in cfg.region_weights], dtype=np.float64)
    which = np.searchsorted(np.cumsum(w / w.sum()), rng.random(n), side="right")
    which = np.minimum(which, len(groups) - 1)
    u = rng.random(n)
    out = np.empty(n, dtype=np.int32)
    for g, members in enumerate(groups):
        sel = which == g
        out[sel] = members[(u[sel] * len(members)).astype(np.int64)]
    return out


def addresses(rng: np.random.Generator, cfg: PopulationConfig, region: np.ndarray) -> np.ndarray:
    reg = tables.regions()
    n = len(region)
    prefix = reg.province[region] + reg.prefecture[region] + reg.county[region]
    urban = rng.random(n) < cfg.urban_share
    road = _pick(rng, tables.ROADS, np.arange(1, len(tables.ROADS) + 1, dtype=float), n)
    number = NUMBER_TEXT[rng.integers(1, 400, n)]
    building = NUMBER_TEXT[rng.integers(1, 30, n)]
    room = NUMBER_TEXT[rng.integers(1, 19, n) * 100 + rng.integers(1, 5, n)]
    urban_part = road + number + "号" + building + "栋" + room + "室"
    vc = tables.VILLAGE_CHARS
    ones = np.arange(1, len(vc) + 1, dtype=float)
    village = _pick(rng, vc, ones, n) + _pick(rng, vc, ones, n)
    suffix = _pick(rng, tables.VILLAGE_SUFFIX, np.arange(1, 7, dtype=float), n)
    group = NUMBER_TEXT[rng.integers(1, 12, n)]
    rural_part = village + suffix + group + "组" + number + "号"
    return prefix + np.where(urban, urban_part, rural_part)


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """11-digit mobile numbers as int64 (a real carrier prefix and 8 random digits)."""
    prefix = tables.MOBILE_PREFIXES[rng.integers(0, len(tables.MOBILE_PREFIXES), n)]
    return prefix * 100_000_000 + rng.integers(0, 100_000_000, n)


def phone_text(numbers: np.ndarray) -> np.ndarray:
    """int64 numbers -> object array of strings, None where the number is 0 (no phone)."""
    out = numbers.astype(str).astype(object)
    out[numbers == 0] = None
    return out


def generate_households(
    rng: np.random.Generator,
    cfg: PopulationConfig,
    n_persons: int,
    first_person_id: int,
    first_household_id: int,
    *,
    chunk: int = 0,
    id_salt: int = 0,
) -> Population:
    """`n_persons` people in whole households (the last household may be cut short).

    `chunk` and `id_salt` place the chunk's ID numbers so that chunks do not collide (see
    `idnumber.sequence_numbers`).
    """
    shares = np.asarray(cfg.household_size_shares)
    mean_size = float(np.dot(np.arange(1, len(shares) + 1), shares))
    n_house = int(n_persons / mean_size * 1.1) + 64  # enough households with certainty
    sizes = np.searchsorted(np.cumsum(shares / shares.sum()), rng.random(n_house), side="right") + 1
    sizes = np.minimum(sizes, len(shares))
    ends = np.cumsum(sizes)
    if ends[-1] < n_persons:
        raise AssertionError("household draw too small")  # cannot happen for n >= 1
    n_house = int(np.searchsorted(ends, n_persons, side="left")) + 1
    sizes = sizes[:n_house].copy()
    sizes[-1] -= int(sizes.sum() - n_persons)  # cut the last household to hit n exactly
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    hh = np.repeat(np.arange(n_house), sizes)
    pos = np.arange(n_persons) - starts[hh]
    size_p = sizes[hh]

    couple = rng.random(n_house) < cfg.couple_share
    elder = (rng.random(n_house) < cfg.elder_share) & (sizes >= 4)
    role = np.full(n_persons, Role.CHILD, dtype=np.uint8)
    role[pos == 0] = Role.HEAD
    role[(pos == 1) & couple[hh]] = Role.SPOUSE
    role[(pos == size_p - 1) & elder[hh]] = Role.PARENT_OF_HEAD

    head_male = rng.random(n_house) < cfg.male_head_share
    sex = np.where(rng.random(n_persons) < 0.515, MALE, FEMALE).astype(np.uint8)
    sex[pos == 0] = np.where(head_male, MALE, FEMALE)
    is_spouse = role == Role.SPOUSE
    sex[is_spouse] = np.where(head_male[hh[is_spouse]], FEMALE, MALE)

    # Ages: head from the adult pyramid, spouse near the head, children younger than the mother.
    head_age = sample_ages(rng, np.full(n_house, 20), np.full(n_house, 99))
    age = np.zeros(n_persons, dtype=np.int16)
    age[pos == 0] = head_age
    sp_age = head_age[hh[is_spouse]] + np.round(
        rng.normal(np.where(head_male[hh[is_spouse]], -2.0, 2.0), 3.0)
    ).astype(np.int16)
    age[is_spouse] = np.clip(sp_age, 18, 99)
    spouse_idx = starts + 1
    has_spouse = couple & (sizes >= 2)
    # Children are at least 18 years younger than the younger parent.
    spouse_age = age[np.minimum(spouse_idx, n_persons - 1)]
    parent_age = np.where(has_spouse, np.minimum(head_age, spouse_age), head_age)
    is_child = role == Role.CHILD
    m_age = parent_age[hh[is_child]].astype(np.int64)
    age[is_child] = sample_ages(rng, np.maximum(m_age - 45, 0), np.maximum(m_age - 18, 0))
    is_elder = role == Role.PARENT_OF_HEAD
    age[is_elder] = np.minimum(head_age[hh[is_elder]] + rng.integers(20, 36, is_elder.sum()), 99)

    ref = np.datetime64(cfg.reference_date, "D")
    days = (age.astype(np.float64) * 365.2425 + rng.random(n_persons) * 365.0).astype(np.int64)
    birth = ref - days.astype("timedelta64[D]")
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970

    # Residence county per household; ID region code mostly the same county.
    reg = tables.regions()
    house_region = _regions_for_households(rng, cfg, n_house)
    region = house_region[hh]
    elsewhere = rng.random(n_persons) < cfg.born_elsewhere_share
    birth_region = np.where(
        elsewhere, rng.integers(0, len(reg.code), n_persons).astype(np.int32), region
    )
    minority_house = rng.random(n_house) < reg.minority_share[house_region]
    minority = minority_house[hh]
    mongolian = (rng.random(n_house) < reg.mongolian_share[house_region])[hh]

    # Names. Han: children take the father's surname (sometimes the mother's).
    sn = tables.surnames()
    surname = _pick(rng, sn.names, sn.cdf, n_persons)
    head_surname = surname[starts]
    father_of_children = np.where(head_male, starts, np.where(has_spouse, spouse_idx, -1))
    mother_of_children = np.where(~head_male, starts, np.where(has_spouse, spouse_idx, -1))
    child_father = father_of_children[hh]
    child_mother = mother_of_children[hh]
    takes_mother = rng.random(n_persons) < cfg.mothers_surname_share
    from_father = is_child & (child_father >= 0) & ~takes_mother
    surname[from_father] = surname[child_father[from_father]]
    from_mother = is_child & (child_mother >= 0) & (takes_mother | (child_father < 0))
    surname[from_mother] = surname[child_mother[from_mother]]
    elder_male = is_elder & (sex == MALE) & head_male[hh]
    surname[elder_male] = head_surname[hh[elder_male]]

    given = han_given_names(rng, birth_year, sex)
    if minority.any():
        m_idx = np.flatnonzero(minority)
        m_given = minority_given_names(rng, sex[m_idx])
        given[m_idx] = m_given
        fathers = minority_given_names(rng, np.full(len(m_idx), MALE, dtype=np.uint8))
        # A minority child's second name is the father's given name.
        kid = is_child[m_idx] & (child_father[m_idx] >= 0)
        fathers[kid] = given[child_father[m_idx[kid]]]
        surname[m_idx] = fathers
    if mongolian.any():
        # Mongolian names carry no surname and are not passed on to children.
        g_idx = np.flatnonzero(mongolian)
        given[g_idx] = mongolian_names(rng, sex[g_idx])
        surname[g_idx] = ""
    name = np.where(minority, given + MIDDLE_DOT + surname, surname + given)

    # ID numbers: odd sequence for men, even for women.
    ymd = (
        birth_year * 10000
        + (birth.astype("datetime64[M]").astype(np.int64) % 12 + 1) * 100
        + (birth - birth.astype("datetime64[M]")).astype(np.int64)
        + 1
    )
    id_region = reg.code[birth_region]
    seq = idnumber.sequence_numbers(id_region, ymd, sex == MALE, chunk, id_salt)
    digits = idnumber.digits_matrix(id_region, ymd, seq)
    id_number = idnumber.render18(digits)

    address = addresses(rng, cfg, house_region)[hh]
    phone = mobile_numbers(rng, n_persons)
    no_phone = (age < 16) | (rng.random(n_persons) >= cfg.phone_share)
    phone[no_phone] = 0

    # Circumstances other departments record; parents of minors are the orphan scenario's base.
    has_minor = np.zeros(n_house, dtype=bool)
    has_minor[hh[is_child & (age < 18)]] = True
    parent = np.isin(role, (Role.HEAD, Role.SPOUSE)) & has_minor[hh]
    rate = np.where(parent, cfg.parent_status_rate, np.where(age >= 18, cfg.adult_status_rate, 0.0))
    w = np.asarray(cfg.status_weights)
    kind = np.searchsorted(np.cumsum(w / w.sum()), rng.random(n_persons), side="right") + 1
    status = np.where(rng.random(n_persons) < rate, np.minimum(kind, len(w)), 0).astype(np.uint8)

    base = np.int64(first_person_id)
    father = np.where(is_child & (child_father >= 0), child_father + base, -1)
    mother = np.where(is_child & (child_mother >= 0), child_mother + base, -1)
    return Population(
        person_id=np.arange(n_persons, dtype=np.int64) + base,
        household_id=hh.astype(np.int64) + first_household_id,
        role=role,
        sex=sex,
        birth_date=birth,
        age=age,
        region=region,
        birth_region=birth_region,
        minority=minority,
        surname=surname,
        given=given,
        name=name,
        id_number=id_number,
        address=address,
        phone=phone,
        status=status,
        father=father.astype(np.int64),
        mother=mother.astype(np.int64),
    )

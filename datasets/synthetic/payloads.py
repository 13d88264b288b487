"""Department-specific non-identity columns (assistance category, death date, plate...).

Each payload function takes the rows' population slice, a Generator and the reference date,
and returns {column: object array}. Household-level values use `uniform_from_ids` of the
household id, so all members of a household agree.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pprl_synthetic import tables
from pprl_synthetic.mixing import uniform_from_ids
from pprl_synthetic.population import Population

Columns = dict[str, np.ndarray]
Payload = Callable[[np.random.Generator, Population, np.datetime64], Columns]


def _choice(u: np.ndarray, labels: tuple[str, ...], weights: tuple[float, ...]) -> np.ndarray:
    cdf = np.cumsum(np.asarray(weights) / sum(weights))
    idx = np.minimum(np.searchsorted(cdf, u, side="right"), len(labels) - 1)
    return np.array(labels, dtype=object)[idx]


def _dates_before(rng: np.random.Generator, ref: np.datetime64, n: int, days: int) -> np.ndarray:
    return np.datetime_as_string(ref - rng.integers(0, days, n).astype("timedelta64[D]")).astype(
        object
    )


def _money(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    return rng.integers(lo, hi, n).astype(str).astype(object)


def low_income(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    u = uniform_from_ids(pop.household_id, 11)
    category = _choice(
        u, ("低保", "特困", "低保边缘", "支出型困难", "临时救助"), (0.6, 0.1, 0.15, 0.1, 0.05)
    )
    return {
        "救助类别": category,
        "月救助金额": _money(rng, len(pop), 300, 1200),
        "纳入日期": _dates_before(rng, ref, len(pop), 3650),
    }


def deaths(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    death = ref - rng.integers(0, 730, len(pop)).astype("timedelta64[D]")
    compact = np.char.replace(np.datetime_as_string(death), "-", "").astype(object)
    cause = _choice(rng.random(len(pop)), ("疾病", "意外", "其他"), (0.88, 0.08, 0.04))
    return {"SWRQ": compact, "SWYY": cause}


def vehicles(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    prefix = tables.regions().plate_prefix[pop.region]
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), dtype=object)
    tail = letters[rng.integers(0, len(letters), (n, 5))]
    plate = prefix + tail[:, 0] + tail[:, 1] + tail[:, 2] + tail[:, 3] + tail[:, 4]
    kind = _choice(
        rng.random(n),
        ("小型轿车", "小型普通客车", "轻型货车", "二轮摩托车"),
        (0.6, 0.2, 0.12, 0.08),
    )
    return {
        "plate_no": plate,
        "vehicle_type": kind,
        "registered_on": _dates_before(rng, ref, n, 5475),
    }


def business(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    kind = _choice(
        rng.random(n), ("个体工商户", "有限责任公司", "农民专业合作社"), (0.7, 0.25, 0.05)
    )
    trade = _choice(
        rng.random(n), ("便利店", "餐饮店", "五金店", "养殖场", "商贸", "运输"), (1, 1, 1, 1, 1, 1)
    )
    credit = rng.integers(10**8, 10**9, n).astype(str).astype(object)
    return {
        "经营主体名称": pop.county_names() + pop.surname + trade,
        "主体类型": kind,
        "统一社会信用代码": "92" + credit,
        "成立日期": _dates_before(rng, ref, n, 7300),
    }


def provident_fund(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    return {
        "dwmc": pop.county_names() + "某单位",
        "yjce": _money(rng, n, 200, 3000),
        "jcrq": _dates_before(rng, ref, n, 7300),
    }


def payroll(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    unit = _choice(
        rng.random(n),
        ("教育局", "卫生健康委", "乡镇人民政府", "公安局", "自然资源局"),
        (3, 2, 3, 1, 1),
    )
    return {"工作单位": pop.county_names() + unit, "月应发工资": _money(rng, n, 3500, 12000)}


def unemployment(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    return {
        "registered": _dates_before(rng, ref, n, 720),
        "benefit": np.where(rng.random(n) < 0.4, "是", "否").astype(object),
    }


def medical(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    return {
        "年度自付费用": _money(rng, n, 20000, 300000),
        "医疗救助": np.where(rng.random(n) < 0.3, "是", "否").astype(object),
    }


def disaster(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    u = uniform_from_ids(pop.household_id, 17)
    return {
        "灾害类型": _choice(u, ("洪涝", "干旱", "风雹", "地震", "低温冷冻"), (4, 2, 2, 1, 1)),
        "受灾日期": _dates_before(rng, ref, len(pop), 365),
        "损失程度": _choice(rng.random(len(pop)), ("轻微", "一般", "严重"), (5, 3, 2)),
    }


def disabled(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    return {
        "残疾类别": _choice(
            rng.random(n),
            ("视力", "听力", "言语", "肢体", "智力", "精神", "多重"),
            (1, 2, 1, 4, 1, 1, 1),
        ),
        "残疾等级": _choice(rng.random(n), ("一级", "二级", "三级", "四级"), (1, 2, 3, 4)),
    }


def university(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    school = _choice(
        rng.random(n),
        ("南京大学", "新疆大学", "内蒙古大学", "南昌大学", "盐城师范学院", "井冈山大学"),
        (1, 2, 1, 2, 2, 2),
    )
    major = _choice(
        rng.random(n),
        ("计算机科学与技术", "临床医学", "汉语言文学", "机械工程", "会计学"),
        (1, 1, 1, 1, 1),
    )
    year = np.datetime64(ref, "Y").astype(np.int64) + 1970
    return {"lqyx": school, "lqzy": major, "nf": np.full(n, str(year), dtype=object)}


def household_register(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    relation = np.array(["户主", "配偶", "子女", "父母"], dtype=object)[pop.role]
    return {"HH": "H" + pop.household_id.astype(str).astype(object), "YHZGX": relation}


def prison(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    n = len(pop)
    return {
        "入监日期": _dates_before(rng, ref, n, 2000),
        "刑期(月)": rng.integers(6, 180, n).astype(str).astype(object),
    }


def drug_rehab(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    return {
        "KSRQ": _dates_before(rng, ref, len(pop), 700),
        "QX": np.full(len(pop), "24", dtype=object),
    }


def missing_person(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    kind = np.where(pop.status == 2, "失踪", "失联").astype(object)
    return {"LB": kind, "BARQ": _dates_before(rng, ref, len(pop), 1500)}


def guardianship(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    return {
        "判决日期": _dates_before(rng, ref, len(pop), 1500),
        "案由": np.full(len(pop), "撤销监护人资格", dtype=object),
    }


def deportation(rng: np.random.Generator, pop: Population, ref: np.datetime64) -> Columns:
    return {"遣返日期": _dates_before(rng, ref, len(pop), 1500)}

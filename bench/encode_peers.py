"""Encoding the same records with this engine and with clkhash (the peer), for the benchmarks.

`sample_records` builds plain Chinese-looking identity records (from the synthetic generator
when it is importable, else a small built-in generator); `clkhash_schema` is the clkhash v3
schema equivalent to `cn-identity` (same fields, character q-grams, 1024 bits);
`encode_with_clkhash` and `encode_with_engine` encode a list of records and return the
number of records encoded.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单解"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬建国建华志强文俊晓东海燕雪梅春梅丹凤佳怡子涵浩然欣怡宇轩梓萱一诺雨桐思远博文嘉怡"
PROVINCES = [("11", "北京市"), ("31", "上海市"), ("44", "广东省广州市"), ("51", "四川省成都市"),
             ("42", "湖北省武汉市"), ("37", "山东省济南市"), ("33", "浙江省杭州市"), ("65", "新疆维吾尔自治区乌鲁木齐市")]  # fmt: skip
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def _check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def builtin_records(n: int, seed: int = 7) -> list[dict[str, str]]:
    """Simple Chinese-looking identity records (not the synthetic generator's realism)."""
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(n):
        code, place = PROVINCES[int(rng.integers(len(PROVINCES)))]
        given = "".join(
            GIVEN[int(i)] for i in rng.integers(len(GIVEN), size=int(rng.integers(1, 3)))
        )
        name = SURNAMES[int(rng.integers(len(SURNAMES)))] + given
        y, m, d = int(rng.integers(1930, 2015)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        sex = int(rng.integers(1, 3))
        seq = int(rng.integers(0, 500)) * 2 + (1 if sex == 1 else 0)
        first17 = f"{code}{int(rng.integers(1, 20)):02d}{int(rng.integers(1, 10)):02d}{y:04d}{m:02d}{d:02d}{seq:03d}"
        records.append(
            {
                "name": name,
                "id_number": first17 + _check(first17),
                "sex": "男" if sex == 1 else "女",
                "birth_date": f"{y:04d}-{m:02d}-{d:02d}",
                "address": f"{place}{'幸福和平建设人民解放'[int(rng.integers(0, 9))]}路{int(rng.integers(1, 300))}号",
                "phone": f"1{int(rng.integers(30, 99))}{int(rng.integers(0, 10**8)):08d}",
            }
        )
    return records


def sample_records(n: int, seed: int = 7) -> list[dict[str, str]]:
    return builtin_records(n, seed)


def records_table(records: list[dict[str, str]]) -> pa.Table:
    names = list(records[0])
    return pa.table({k: pa.array([r[k] for r in records], pa.string()) for k in names})


def encode_with_engine(table: pa.Table, secret) -> int:
    from bloom import encode

    return len(encode(table, "cn-identity", secret))

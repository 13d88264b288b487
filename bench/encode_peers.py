"""Encoding the same records with this engine and with clkhash (the peer), side by side.

Used by `bench/test_bench_encode.py` and importable by `bench/run_peers.py`:

    records = sample_records(40_000)          # dicts keyed by cn-identity field names
    engine_records_per_second(records)         # bloom.encode, cn-identity schema
    clkhash_records_per_second(records)        # clkhash.clk.generate_clks, equivalent schema
    compare_encoders(40_000) -> {"engine": r/s, "clkhash": r/s, "ratio": engine / clkhash}

Records come from the synthetic generator (`pprl_synthetic`, household-register extract) when
it is importable, else from `builtin_records`. The clkhash schema uses the same fields, q-grams
and weights as far as clkhash can express them (one comparison per field) and 1024 bits.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

FIELDS = ("name", "id_number", "sex", "birth_date", "address", "phone")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾单解"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬"
    "建国志文俊晓东海燕雪梅春丹凤佳怡子涵浩然欣宇轩梓萱诺雨桐思远博嘉"
)
PLACES = (("11", "北京市"), ("31", "上海市"), ("44", "广东省广州市"), ("51", "四川省成都市"),
          ("42", "湖北省武汉市"), ("65", "新疆维吾尔自治区乌鲁木齐市"))  # fmt: skip
STREETS = "幸福和平建设人民解放"
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def _check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def builtin_records(n: int, seed: int = 7) -> list[dict[str, str]]:
    """Simple Chinese-looking identity records (when the synthetic generator is absent)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        code, place = PLACES[int(rng.integers(len(PLACES)))]
        size = int(rng.integers(1, 3))
        given = "".join(GIVEN[int(i)] for i in rng.integers(len(GIVEN), size=size))
        y, m, d = int(rng.integers(1930, 2015)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
        male = bool(rng.integers(2))
        seq = int(rng.integers(0, 500)) * 2 + int(male)
        county = int(rng.integers(1, 20))
        first17 = f"{code}01{county:02d}{y:04d}{m:02d}{d:02d}{seq:03d}"
        out.append(
            {
                "name": SURNAMES[int(rng.integers(len(SURNAMES)))] + given,
                "id_number": first17 + _check(first17),
                "sex": "男" if male else "女",
                "birth_date": f"{y:04d}-{m:02d}-{d:02d}",
                "address": f"{place}{STREETS[int(rng.integers(9))]}路{int(rng.integers(300))}号",
                "phone": f"1{int(rng.integers(30, 99))}{int(rng.integers(10**8)):08d}",
            }
        )
    return out


def synthetic_records(n: int, seed: int = 7) -> list[dict[str, str]] | None:
    """`n` records of the synthetic household-register extract, or None without the generator."""
    try:
        import pprl_synthetic
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        pprl_synthetic.generate_scenario(
            "low-income-vs-household-registration", max(2 * n, 1000), seed, tmp
        )
        extract = Path(tmp) / "gaj_household_register"
        columns = json.loads(extract.with_suffix(".columns.json").read_text(encoding="utf-8"))
        header = pacsv.read_csv(extract.with_suffix(".csv")).column_names
        table = pacsv.read_csv(
            extract.with_suffix(".csv"),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False
            ),
        )
    picked = {f: table.column(columns[f]).to_pylist() for f in FIELDS if f in columns}
    rows = min(n, table.num_rows)
    return [{f: (values[i] or "") for f, values in picked.items()} for i in range(rows)]


def sample_records(n: int, seed: int = 7) -> list[dict[str, str]]:
    return synthetic_records(n, seed) or builtin_records(n, seed)


def records_table(records: list[dict[str, str]]) -> pa.Table:
    names = list(records[0])
    return pa.table({k: pa.array([r[k] for r in records], pa.string()) for k in names})


# --- the two encoders --------------------------------------------------------------------

# cn-identity's features as clkhash can say them: one comparison per field, 1024 bits.
_CLKHASH_FEATURES = {
    "name": ({"type": "ngram", "n": 2}, 15),
    "id_number": ({"type": "ngram", "n": 1, "positional": True}, 6),
    "sex": ({"type": "exact"}, 8),
    "birth_date": ({"type": "ngram", "n": 2}, 10),
    "address": ({"type": "ngram", "n": 2}, 3),
    "phone": ({"type": "ngram", "n": 1, "positional": True}, 3),
}


def clkhash_schema(fields: list[str]):
    """A clkhash v3 schema equivalent to cn-identity for `fields`."""
    from clkhash import schema as clkhash_schema_module

    features = []
    for name in fields:
        comparison, bits = _CLKHASH_FEATURES[name]
        features.append(
            {
                "identifier": name,
                "format": {"type": "string", "encoding": "utf-8"},
                "hashing": {"comparison": comparison, "strategy": {"bitsPerToken": bits}},
            }
        )
    document = {
        "version": 3,
        "clkConfig": {
            "l": 1024,
            "kdf": {"type": "HKDF", "hash": "SHA256", "keySize": 64,
                    "salt": "c2FsdA==", "info": "aW5mbw=="},
        },
        "features": features,
    }  # fmt: skip
    return clkhash_schema_module.from_json_dict(document)


def encode_with_clkhash(records: list[dict[str, str]], secret: str = "bench secret") -> list:
    from clkhash.clk import generate_clks

    fields = [f for f in records[0] if f in _CLKHASH_FEATURES]  # e.g. record_id is left out
    rows = [tuple(r.get(f) or "" for f in fields) for r in records]
    return generate_clks(rows, clkhash_schema(fields), secret)


def encode_with_engine(table: pa.Table, secret=None):
    from bloom import LinkageSecret, encode

    return encode(table, "cn-identity", secret or LinkageSecret.generate())


def _best_rate(fn, n: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def engine_records_per_second(records: list[dict[str, str]], repeats: int = 3) -> float:
    from bloom import LinkageSecret

    table = records_table(records)
    secret = LinkageSecret.generate()
    encode_with_engine(table.slice(0, 100), secret)  # compile the kernels outside the timing
    return _best_rate(lambda: encode_with_engine(table, secret), len(records), repeats)


def clkhash_records_per_second(records: list[dict[str, str]], repeats: int = 1) -> float:
    return _best_rate(lambda: encode_with_clkhash(records), len(records), repeats)


def compare_encoders(n: int = 40_000, seed: int = 7) -> dict[str, float]:
    """Records/s of both encoders on the same records, measured in one run."""
    records = sample_records(n, seed)
    engine = engine_records_per_second(records)
    peer = clkhash_records_per_second(records)
    return {"records": len(records), "engine": engine, "clkhash": peer, "ratio": engine / peer}


if __name__ == "__main__":
    import sys

    print(json.dumps(compare_encoders(int(sys.argv[1]) if len(sys.argv) > 1 else 40_000)))

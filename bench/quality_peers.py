"""Linkage quality: the engine's decisions against clkhash+anonlink's on synthetic extracts.

    departments_quality(20_000, seeds=(1, 2, 3))

Scenario `low-income-all-departments`: the civil-affairs low-income list (A) against each of the
eleven department extracts (B), for several seeds of the generator with its default corruption.
The engine runs at its defaults, and at every threshold of a sweep to show where its best lies.
The peer encodes the same records with clkhash (the equivalent schema of `encode_peers`) and
decides with anonlink's Dice and greedy solver; it is given its best threshold for every extract
and seed, chosen with the truth, an advantage no real run has.

Pairs are scored against the truth files: a true pair is two records of one person, one on each
side, so a person registered twice in B makes two true pairs, and a record the encoder rejected
stays a missed pair.
"""

from __future__ import annotations

import array
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

import linkage

SCENARIO = "low-income-all-departments"
LIST = "mz_low_income"
HEADLINE = "gaj_household_register"  # the register every list entry should be found in
FIELDS = ("name", "id_number", "sex", "birth_date", "address", "phone")
THRESHOLDS = tuple(round(0.5 + 0.025 * i, 3) for i in range(19))  # 0.5 .. 0.95


def extract_records(directory, name) -> tuple[list[dict[str, str]], list[str]]:
    """The extract's identity fields under cn-identity names ("" where absent) and record ids."""
    base = Path(directory) / name
    columns = json.loads(base.with_suffix(".columns.json").read_text(encoding="utf-8"))
    header = pacsv.read_csv(base.with_suffix(".csv")).column_names
    table = pacsv.read_csv(
        base.with_suffix(".csv"),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, strings_can_be_null=False
        ),
    )
    n = table.num_rows
    # Every field, even one this extract lacks: clkhash derives a key per schema field, so
    # both sides must be encoded with the same field list to be comparable.
    values = {f: table.column(columns[f]).to_pylist() if f in columns else [""] * n for f in FIELDS}
    records = [{f: values[f][i] or "" for f in FIELDS} for i in range(n)]
    return records, table.column(columns["record_id"]).to_pylist()


def persons_of(directory, name, record_ids) -> tuple[np.ndarray, list[str]]:
    """The person of each given record id, and every person id of the truth file."""
    truth = pacsv.read_csv(
        f"{directory}/truth/{name}.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={"record_id": pa.string(), "person_id": pa.string()}
        ),
    )
    everyone = truth.column("person_id").to_pylist()
    lookup = dict(zip(truth.column("record_id").to_pylist(), everyone, strict=True))
    return np.array([lookup[r] for r in record_ids], dtype=object), everyone


def _encoded_persons(directory, name, dataset) -> np.ndarray:
    """The person of each encoded row: token -> record id (the local map) -> person."""
    from linkage.evaluation import persons_of_tokens

    return persons_of_tokens(
        dataset.tokens,
        f"{directory}/{name}.parquet",
        "record_token",
        f"{directory}/{name}.map.parquet",
        f"{directory}/truth/{name}.csv",
    )


def _engine(directory, names, true_pairs) -> dict:
    from bloom import LinkageSecret, encode_file
    from linkage.evaluation import quality

    secret = LinkageSecret.generate()
    data, persons = {}, {}
    for name in names:
        encode_file(
            f"{directory}/{name}.csv",
            f"{directory}/{name}.parquet",
            "cn-identity",
            secret,
            columns=f"{directory}/{name}.columns.json",
        )
        data[name] = linkage.load(f"{directory}/{name}.parquet")
        persons[name] = _encoded_persons(directory, name, data[name])
    out = {}
    for name in names:
        if name == LIST:
            continue

        def scored(name=name, **settings):
            r = linkage.match(data[LIST], data[name], **settings)
            return quality(
                persons[LIST][r.pairs.left], persons[name][r.pairs.right], true_pairs[name]
            ).to_dict()

        sweep = {t: scored(threshold=t) for t in THRESHOLDS}
        best = max(sweep, key=lambda t: sweep[t]["f1"])
        out[name] = {
            "default": scored(),
            "one_b_per_a_at_default": scored(duplicates_at=None),
            "best_threshold": best,
            "best": sweep[best],
        }
    return out


def _peer(directory, names, true_pairs) -> dict:
    from anonlink.similarities import dice_coefficient_accelerated
    from anonlink.solving import greedy_solve
    from encode_peers import encode_with_clkhash

    from linkage.evaluation import quality

    clks, persons = {}, {}
    for name in names:
        records, ids = extract_records(directory, name)
        clks[name] = encode_with_clkhash(records)
        persons[name] = persons_of(directory, name, ids)[0].astype(str)
    out = {}
    for name in names:
        if name == LIST:
            continue
        sims, (rec_a, rec_b) = dice_coefficient_accelerated([clks[LIST], clks[name]], THRESHOLDS[0])
        sims = np.frombuffer(sims, dtype=np.float64)
        rec_a = np.frombuffer(rec_a, dtype=np.uint32)
        rec_b = np.frombuffer(rec_b, dtype=np.uint32)
        sweep = {}
        for t in THRESHOLDS:
            keep = np.flatnonzero(sims >= t)
            n = len(keep)
            candidates = (
                array.array("d", sims[keep].tolist()),
                (array.array("I", [0] * n), array.array("I", [1] * n)),
                (array.array("I", rec_a[keep].tolist()), array.array("I", rec_b[keep].tolist())),
            )
            pairs = [
                (g[0][1], g[1][1]) if g[0][0] == 0 else (g[1][1], g[0][1])
                for g in greedy_solve(candidates)
                if len(g) == 2
            ]
            la = np.array([p[0] for p in pairs], dtype=np.int64)
            lb = np.array([p[1] for p in pairs], dtype=np.int64)
            sweep[t] = quality(persons[LIST][la], persons[name][lb], true_pairs[name]).to_dict()
        best = max(sweep, key=lambda t: sweep[t]["f1"])
        out[name] = {"best_threshold": best, "best": sweep[best]}
    return out


def _one_seed(size: int, seed: int, peers: bool) -> dict:
    from linkage.evaluation import all_persons, count_true_pairs
    from pprl_synthetic import generate_scenario

    with tempfile.TemporaryDirectory() as directory:
        info = generate_scenario(SCENARIO, size, seed, directory)
        names = [e["name"] for e in info["extracts"]]
        everyone = {n: all_persons(f"{directory}/truth/{n}.csv") for n in names}
        true_pairs = {n: count_true_pairs(everyone[LIST], everyone[n]) for n in names}
        records = {n: len(everyone[n]) for n in names}
        start = time.perf_counter()
        result = {"records": records, "true_pairs": true_pairs}
        result["engine"] = _engine(directory, names, true_pairs)
        result["engine_s"] = time.perf_counter() - start
        if peers:
            start = time.perf_counter()
            result["clkhash_anonlink"] = _peer(directory, names, true_pairs)
            result["peer_s"] = time.perf_counter() - start
    return result


def _summary(runs: list[dict], side: str, setting: str) -> dict:
    f1 = [r[side][name][setting]["f1"] for r in runs for name in r[side]]
    headline = [r[side][HEADLINE][setting]["f1"] for r in runs]
    return {
        "mean_f1": float(np.mean(f1)),
        "min_f1": float(np.min(f1)),
        "headline_mean_f1": float(np.mean(headline)),
        "headline_min_f1": float(np.min(headline)),
    }


def departments_quality(size: int = 20_000, seeds=(1, 2, 3), *, peers: bool = True) -> dict:
    """F1 of the list against every department extract, engine defaults next to the peer."""
    runs = [_one_seed(size, seed, peers) for seed in seeds]
    summary = {
        "engine_default": _summary(runs, "engine", "default"),
        "engine_one_b_per_a": _summary(runs, "engine", "one_b_per_a_at_default"),
        "engine_best": _summary(runs, "engine", "best"),
    }
    if peers:
        summary["clkhash_anonlink_best"] = _summary(runs, "clkhash_anonlink", "best")
    return {
        "scenario": SCENARIO,
        "list": LIST,
        "headline": HEADLINE,
        "size": size,
        "seeds": list(seeds),
        "default_threshold": linkage.DEFAULT_THRESHOLD,
        "default_solver": linkage.DEFAULT_SOLVER.value,
        "default_duplicates_at": linkage.DEFAULT_DUPLICATES_AT,
        "runs": runs,
        "summary": summary,
    }


def _spread(figures: dict | None, prefix: str = "") -> str:
    if figures is None:
        return "-"
    return f"mean {figures[prefix + 'mean_f1']:.4f}, min {figures[prefix + 'min_f1']:.4f}"


def _gain(engine: dict, peer: dict | None, prefix: str = "") -> str:
    key = prefix + "mean_f1"
    return "-" if peer is None else f"{engine[key] - peer[key]:+.4f}"


def markdown_rows(q: dict) -> list[str]:
    """Table rows (| what | engine | peer | difference |) for `run_peers.markdown`."""
    s = q["summary"]
    e, o, b = s["engine_default"], s["engine_one_b_per_a"], s["engine_best"]
    p = s.get("clkhash_anonlink_best")
    seeds = ",".join(str(x) for x in q["seeds"])
    setting = f"{q['default_solver']}, t={q['default_threshold']}"
    h = q["headline"]
    return [
        f"| F1, {q['list']} x {h}, size {q['size']:,}, seeds {seeds}: engine defaults "
        f"({setting}) vs peer at its best threshold per seed | {_spread(e, 'headline_')} | "
        f"{_spread(p, 'headline_')} | {_gain(e, p, 'headline_')} |",
        f"| F1 over all 11 extracts x seeds {seeds}: engine defaults vs peer at its best "
        f"threshold per extract | {_spread(e)} | {_spread(p)} | {_gain(e, p)} |",
        f"| same, engine at its best threshold per extract | {_spread(b)}; {h} "
        f"{b['headline_mean_f1']:.4f} | - | - |",
        f"| same, engine defaults but one B record per A record (--duplicates-at off) | "
        f"{_spread(o)}; {h} {o['headline_mean_f1']:.4f} | - | - |",
    ]


def per_extract_markdown(q: dict) -> str:
    """One row per extract: mean F1 over the seeds, engine defaults and peer best."""
    runs = q["runs"]
    peers = "clkhash_anonlink" in runs[0]
    lines = [
        "| extract | true pairs (seed 1st) | engine defaults F1 (precision / recall) | "
        "clkhash+anonlink best F1 |",
        "| --- | --- | --- | --- |",
    ]
    for name in runs[0]["engine"]:
        d = [r["engine"][name]["default"] for r in runs]
        peer = (
            f"{np.mean([r['clkhash_anonlink'][name]['best']['f1'] for r in runs]):.4f}"
            if peers
            else "-"
        )
        lines.append(
            f"| {name} | {runs[0]['true_pairs'][name]:,} | "
            f"{np.mean([x['f1'] for x in d]):.4f} ({np.mean([x['precision'] for x in d]):.4f} "
            f"/ {np.mean([x['recall'] for x in d]):.4f}) | {peer} |"
        )
    return "\n".join(lines) + "\n"

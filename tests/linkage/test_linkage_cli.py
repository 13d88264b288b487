"""`pprl match`, `dedup` and `evaluate` on real encodings of synthetic department extracts."""

from __future__ import annotations

import html
import json

import numpy as np
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

from pprl_app.cli import main

EXTRACTS = ("mz_low_income", "gaj_deaths")


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    from bloom import LinkageSecret, encode_file
    from pprl_synthetic import generate_scenario

    root = tmp_path_factory.mktemp("match")
    generate_scenario("low-income-vs-deaths", 4000, 5, root / "syn")
    _encode_extracts(root, EXTRACTS, LinkageSecret.generate())
    other = LinkageSecret.generate()
    encode_file(
        root / "syn" / "gaj_deaths.csv",
        root / "other_key.parquet",
        "cn-identity",
        other,
        columns=root / "syn" / "gaj_deaths.columns.json",
    )
    return root


def _encode_extracts(root, names, secret):
    """Encode root/syn/<name>.csv into root/<name>.parquet with one secret."""
    from bloom import encode_file

    for name in names:
        encode_file(
            root / "syn" / f"{name}.csv",
            root / f"{name}.parquet",
            "cn-identity",
            secret,
            columns=root / "syn" / f"{name}.columns.json",
        )


def _run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def _evaluate(root, pairs, json_out, *extra):
    return _run(
        "evaluate",
        pairs,
        "--map-a",
        root / "mz_low_income.map.parquet",
        "--map-b",
        root / "gaj_deaths.map.parquet",
        "--truth-a",
        root / "syn" / "truth" / "mz_low_income.csv",
        "--truth-b",
        root / "syn" / "truth" / "gaj_deaths.csv",
        "--json",
        json_out,
        *extra,
    )


def test_match_then_evaluate_gives_high_quality(encoded):
    root = encoded
    pairs = root / "pairs.csv"
    result = _run(
        "match",
        root / "mz_low_income.parquet",
        root / "gaj_deaths.parquet",
        "--out",
        pairs,
        "--plot",
        root / "hist.png",
        "--summary",
        root / "summary.json",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    assert "candidate pairs" in result.output and "timings:" in result.output
    table = pacsv.read_csv(pairs)
    assert table.column_names == ["token_a", "token_b", "score", "probability"]
    assert table.num_rows > 10
    assert (root / "hist.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((root / "summary.json").read_text())
    assert summary["pairs"] == table.num_rows and summary["comparisons"] > 0
    candidates = root / "candidates.csv"
    args = ["match", root / "mz_low_income.parquet", root / "gaj_deaths.parquet", "--quiet"]
    assert _run(*args, "--solver", "none", "--out", candidates).exit_code == 0
    evaluated = _evaluate(
        root, pairs, root / "q.json", "--candidates", candidates,
        "--match-summary", root / "summary.json",
    )  # fmt: skip
    assert evaluated.exit_code == 0, evaluated.output
    q = json.loads((root / "q.json").read_text())
    assert q["precision"] >= 0.95 and q["recall"] >= 0.9, q
    assert q["recall"] <= q["pairs_completeness"] <= 1.0
    assert q["reduction_ratio"] == pytest.approx(
        1 - summary["comparisons"] / (summary["records_a"] * summary["records_b"])
    )
    assert f"F1 {q['f1']:.4f}" in evaluated.output and "pairs completeness" in evaluated.output


def test_solvers_and_blockings_through_the_cli(encoded):
    root = encoded
    counts = {}
    for solver in ("greedy", "many-to-one", "none"):
        for blocking in ("keys", "lsh", "exhaustive"):
            out = root / f"p_{solver}_{blocking}.csv"
            args = ["match", root / "mz_low_income.parquet", root / "gaj_deaths.parquet"]
            result = _run(*args, "--out", out, "--solver", solver, "--blocking", blocking)
            assert result.exit_code == 0, result.output
            counts[solver, blocking] = pacsv.read_csv(out).num_rows
    for blocking in ("keys", "lsh", "exhaustive"):
        assert counts["greedy", blocking] <= counts["many-to-one", blocking]
        assert counts["many-to-one", blocking] <= counts["none", blocking]
        assert counts["none", blocking] <= counts["none", "exhaustive"]


def test_dedup_writes_clusters(encoded):
    root = encoded
    out = root / "clusters.csv"
    result = _run("dedup", root / "mz_low_income.parquet", "--out", out, "--threshold", "0.85")
    assert result.exit_code == 0, result.output
    table = pacsv.read_csv(out)
    assert table.column_names == ["cluster", "token"]
    clusters = np.asarray(table.column("cluster").to_pylist())
    assert all((clusters == c).sum() >= 2 for c in set(clusters.tolist()))


def test_bad_inputs_give_one_line_and_non_zero_exit(encoded, tmp_path):
    root = encoded
    result = _run(
        "match", root / "mz_low_income.parquet", root / "other_key.parquet", "--out", tmp_path / "x"
    )
    assert result.exit_code != 0
    assert "different linkage secrets" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()

    result = _run("match", tmp_path / "missing.parquet", root / "gaj_deaths.parquet", "--out", "x")
    assert result.exit_code == 2 and "missing.parquet: no such file" in result.output

    bad_pairs = tmp_path / "bad.csv"
    bad_pairs.write_text("token_a,token_b,score\nnot-a-token,also-not,0.9\n")
    result = _evaluate(root, bad_pairs, tmp_path / "q.json")
    assert result.exit_code == 2
    assert f"{bad_pairs}, row 1, field 'token_a'" in result.output
    assert len(result.output.strip().splitlines()) == 1

    no_column = tmp_path / "nocol.csv"
    no_column.write_text("a,b\n1,2\n")
    result = _evaluate(root, no_column, tmp_path / "q.json")
    assert result.exit_code == 2 and "field 'token_a': missing column" in result.output


def test_matcher_side_never_loads_key_holder_code(encoded, tmp_path):
    """The matcher runs without the encoder package or any secret: only encodings go in."""
    import subprocess
    import sys

    root = encoded
    code = (
        "import sys, linkage, linkage.cli, linkage.evaluation, linkage.dask_executor\n"
        f"a = linkage.load({str(root / 'mz_low_income.parquet')!r})\n"
        f"b = linkage.load({str(root / 'gaj_deaths.parquet')!r})\n"
        "result = linkage.match(a, b)\n"
        "assert len(result) > 0\n"
        "loaded = sorted(m for m in sys.modules if m == 'bloom' or m.startswith('bloom.'))\n"
        "print(','.join(loaded) or 'none')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "none"
    out = tmp_path / "pairs.csv"
    result = _run(
        "match", root / "mz_low_income.parquet", root / "gaj_deaths.parquet", "--out", out
    )
    assert result.exit_code == 0
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "token_a,token_b,score,probability"


def test_duplicates_at_keeps_near_copies_of_the_chosen_record_only(encoded, tmp_path):
    root = encoded
    args = ["match", root / "mz_low_income.parquet", root / "gaj_deaths.parquet", "--quiet"]
    rows = {}
    for setting in ("off", "0.8", "none"):
        extra = ["--solver", "none"] if setting == "none" else ["--duplicates-at", setting]
        result = _run(*args, "--threshold", "0.6", "--out", tmp_path / f"{setting}.csv", *extra)
        assert result.exit_code == 0, result.output
        table = pacsv.read_csv(tmp_path / f"{setting}.csv")
        pairs = zip(table["token_a"].to_pylist(), table["token_b"].to_pylist(), strict=True)
        rows[setting] = set(pairs)
    off_a = [a for a, _ in rows["off"]]
    assert len(off_a) == len(set(off_a))  # off: one B record per A record
    assert rows["off"] <= rows["0.8"] <= rows["none"]
    assert {a for a, _ in rows["0.8"]} == set(off_a)  # never a new A record, only extra B
    result = _run(*args, "--duplicates-at", "1.5", "--out", tmp_path / "x.csv")
    assert result.exit_code == 2 and "not in (0, 1]" in result.output


def test_duplicates_at_links_people_registered_twice(tmp_path):
    """On the household register, where some people have two registrations, keeping the
    near-copy of the chosen record raises recall without costing precision."""
    from bloom import LinkageSecret
    from pprl_synthetic import generate_scenario

    names = ("mz_low_income", "gaj_household_register")
    generate_scenario("low-income-vs-household-registration", 6000, 8, tmp_path / "syn")
    _encode_extracts(tmp_path, names, LinkageSecret.generate())
    quality = {}
    for setting in ("off", "0.8"):
        pairs = tmp_path / f"{setting}.csv"
        args = ["match", *(tmp_path / f"{n}.parquet" for n in names), "--out", pairs, "--quiet"]
        assert _run(*args, "--duplicates-at", setting).exit_code == 0
        maps = [tmp_path / f"{n}.map.parquet" for n in names]
        truths = [tmp_path / "syn" / "truth" / f"{n}.csv" for n in names]
        result = _run(
            "evaluate", pairs, "--map-a", maps[0], "--map-b", maps[1],
            "--truth-a", truths[0], "--truth-b", truths[1], "--json", tmp_path / f"{setting}.json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        quality[setting] = json.loads((tmp_path / f"{setting}.json").read_text())
    assert quality["0.8"]["true_positives"] > quality["off"]["true_positives"]
    assert quality["0.8"]["false_positives"] <= quality["off"]["false_positives"] + 1
    assert quality["0.8"]["f1"] > quality["off"]["f1"]


def test_groups_links_three_departments_with_one_record_per_dataset(tmp_path):
    from bloom import LinkageSecret
    from linkage.evaluation import read_map, read_truth
    from pprl_synthetic import generate_scenario

    names = ("mz_low_income", "rs_unemployment", "cl_disabled_persons")
    generate_scenario("low-income-all-departments", 8000, 4, tmp_path / "syn")
    _encode_extracts(tmp_path, names, LinkageSecret.generate())
    out, summary = tmp_path / "groups.csv", tmp_path / "groups.json"
    inputs = [tmp_path / f"{n}.parquet" for n in names]
    result = _run("groups", *inputs, "--threshold", "0.75", "--out", out, "--summary", summary)
    assert result.exit_code == 0, result.output
    assert "groups by size" in result.output
    table = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    assert table.column_names == ["group", "dataset", "token"]
    person = {}
    for name in names:
        ids = dict(zip(*read_map(tmp_path / f"{name}.map.parquet").columns, strict=True))
        truth = read_truth(tmp_path / "syn" / "truth" / f"{name}.csv")
        owner = dict(zip(*truth.columns, strict=True))
        person[name] = {t.as_py(): owner[r] for t, r in ids.items()}
    members: dict[int, list[tuple[str, str]]] = {}
    for g, d, t in zip(*(table[c].to_pylist() for c in table.column_names), strict=True):
        members.setdefault(g, []).append((d, person[d][t]))
    assert sorted(members) == list(range(1, len(members) + 1))
    linked = correct = 0
    for group in members.values():
        datasets = [d for d, _ in group]
        assert len(group) >= 2 and len(set(datasets)) == len(datasets)
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                linked += 1
                correct += group[i][1] == group[j][1]
    assert linked > 50 and correct / linked >= 0.98
    three = [g for g in members.values() if len(g) == 3]
    assert three and sum(len({p for _, p in g}) == 1 for g in three) / len(three) >= 0.95
    info = json.loads(summary.read_text())
    assert info["groups"] == len(members)
    assert sum(info["grouped_records"].values()) == table.num_rows

    result = _run("groups", inputs[0], "--out", out)
    assert result.exit_code == 2 and "at least two datasets" in result.output

    dataset_args = []
    for name in names:
        map_path, truth = (
            tmp_path / f"{name}.map.parquet",
            tmp_path / "syn" / "truth" / f"{name}.csv",
        )
        dataset_args += ["--dataset", name, map_path, truth]
    result = _run("evaluate-groups", out, *dataset_args, "--json", tmp_path / "gq.json")
    assert result.exit_code == 0, result.output
    q = json.loads((tmp_path / "gq.json").read_text())
    assert (q["pairs"], q["true_positives"]) == (linked, correct)  # the same count, two ways
    assert q["true_pairs"] >= correct and q["recall"] >= 0.9, q
    result = _run("evaluate-groups", out, *dataset_args[:8])  # the third dataset left out
    assert result.exit_code == 2
    assert "'cl_disabled_persons' has no --dataset" in result.output and "row " in result.output


def test_match_writes_its_review_band_and_report_and_says_how_it_chose(encoded):
    root = encoded
    args = [root / "mz_low_income.parquet", root / "gaj_deaths.parquet", "--quiet"]
    result = _run("match", *args, "--out", root / "p.csv", "--review", root / "review.csv",
                  "--report", root / "run.html", "--summary", root / "s.json")  # fmt: skip
    assert result.exit_code == 0, result.output
    info = json.loads((root / "s.json").read_text())
    choice = info["threshold_choice"]
    assert choice["method"] in ("fitted", "fallback") and info["threshold"] == choice["threshold"]
    assert f"threshold {info['threshold']:g}: {choice['reason']}" in result.output
    review = pacsv.read_csv(root / "review.csv")
    assert review.column_names == ["token_a", "token_b", "score", "probability", "linked"]
    assert review.num_rows == info["review_band"]["pairs"]
    page = (root / "run.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and html.escape(choice["reason"]) in page
    given = _run("match", *args, "--out", root / "p8.csv", "--threshold", "0.8")
    assert given.exit_code == 0 and "threshold 0.8: given" in given.output
    bad = _run("match", *args, "--out", root / "p9.csv", "--threshold", "high")
    assert bad.exit_code == 2 and "neither a number nor 'auto'" in bad.output
    dedup = _run("dedup", root / "gaj_deaths.parquet", "--out", root / "c.csv", "--quiet")
    assert dedup.exit_code == 0 and "threshold " in dedup.output

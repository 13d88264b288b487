"""Measure this engine and its peers (anonlink, clkhash) side by side in one run.

    /work/venv-bench/bin/python bench/run_peers.py            # full: dice, greedy, quality, encode
    /work/venv-bench/bin/python bench/run_peers.py --quick    # smaller sizes, for a smoke run
    /work/venv-bench/bin/python bench/run_peers.py --e2e 1000000   # also the 1M x 1M run
    /work/venv-bench/bin/python bench/run_peers.py --e2e-synthetic 1850000  # generator+encoder

Writes bench/results/peers-<UTC time>.json (figures + a description of the machine and its
load) and a markdown table beside it. Every ratio is engine / peer measured in this process,
so both sides saw the same machine at the same time. The machine may be shared: the load
average before and after is recorded with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        flags = next(x for x in text.splitlines() if x.startswith("flags"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    import numba

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "avx2": " avx2" in flags,
        "avx512_vpopcntdq": "avx512_vpopcntdq" in flags,
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "versions": {
            name: _version(name)
            for name in ("numpy", "numba", "llvmlite", "pyarrow", "anonlink", "clkhash")
        },
        "load_average": os.getloadavg(),
    }


def _timed(label, fn, *args, **kwargs):
    print(f"[{time.strftime('%H:%M:%S')}] {label} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    result["wall_s"] = round(time.perf_counter() - start, 2)
    return result


def run(args) -> dict:
    import match_peers
    import quality_peers

    quick = args.quick
    figures = {"machine": machine(), "started_utc": dt.datetime.now(dt.timezone.utc).isoformat()}
    figures["dice"] = _timed(
        "raw Dice join",
        match_peers.compare_dice,
        2_000 if quick else 10_000,
        20_000 if quick else 100_000,
        0.8,
    )
    figures["dice_synthetic"] = _timed(
        "raw Dice on synthetic encodings",
        match_peers.compare_dice_synthetic,
        50_000 if quick else 200_000,
        1000 if quick else 2000,
    )
    figures["greedy"] = _timed(
        "greedy solver", match_peers.compare_greedy, 200_000 if quick else 1_000_000
    )
    figures["quality"] = _timed(
        "linkage quality",
        quality_peers.departments_quality,
        5_000 if quick else args.quality_size,
        seeds=(1,) if quick else (1, 2, 3),
    )
    figures["dedup_quality"] = _timed(
        "deduplication quality", match_peers.dedup_quality, 20_000 if quick else 100_000
    )
    try:
        import encode_peers
    except ImportError:
        encode_peers = None
    if encode_peers is not None and hasattr(encode_peers, "compare_encoders"):
        figures["encode"] = _timed(
            "encoding", encode_peers.compare_encoders, 5_000 if quick else 40_000
        )
    if args.e2e:
        figures["end_to_end"] = _timed("end to end", match_peers.end_to_end, args.e2e)
    if args.e2e_synthetic:
        figures["end_to_end_synthetic"] = _timed(
            "end to end (synthetic)", match_peers.end_to_end_synthetic, args.e2e_synthetic
        )
    figures["machine"]["load_average_after"] = os.getloadavg()
    figures["finished_utc"] = dt.datetime.now(dt.timezone.utc).isoformat()
    return figures


def _m(x: float) -> str:
    return f"{x / 1e6:,.1f} M"


def markdown(f: dict) -> str:
    m = f["machine"]
    lines = [
        f"# Engine vs peers ({f['started_utc'][:16]} UTC)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"numba {m['versions']['numba']}, anonlink {m['versions']['anonlink']}, "
        f"clkhash {m['versions']['clkhash']}. Load average before {m['load_average']}, after "
        f"{m['load_average_after']} (shared machine: absolute figures vary, ratios are taken "
        "in one run).",
        "",
        "| what | engine | peer | ratio |",
        "| --- | --- | --- | --- |",
    ]
    d = f["dice"]
    lines.append(
        f"| raw Dice {d['n_left']:,} x {d['n_right']:,}, t={d['threshold']}, comparisons/s "
        f"({d['cores']} threads) | {_m(d['engine_per_s'])} | anonlink {_m(d['anonlink_per_s'])} "
        f"| {d['ratio']:.1f}x |"
    )
    lines.append(
        f"| raw Dice, one thread | {_m(d['engine_one_thread_per_s'])} | anonlink "
        f"{_m(d['anonlink_per_s'])} | {d['ratio_one_thread']:.1f}x |"
    )
    for key, d in f.get("dice_synthetic", {}).items():
        if key == "wall_s":
            continue
        lines.append(
            f"| raw Dice on synthetic encodings (list x register) {d['n_left']:,} x "
            f"{d['n_right']:,}, t={d['threshold']}, {d['cores']} threads / one thread | "
            f"{_m(d['engine_per_s'])} / {_m(d['engine_one_thread_per_s'])} | anonlink "
            f"{_m(d['anonlink_per_s'])} | {d['ratio']:.1f}x / {d['ratio_one_thread']:.1f}x |"
        )
    g = f["greedy"]
    lines.append(
        f"| greedy solver, {g['candidates']:,} candidate pairs/s | {_m(g['engine_per_s'])} | "
        f"anonlink {_m(g['anonlink_per_s'])} | {g['ratio']:.0f}x (same matches: "
        f"{g['same_matches']}) |"
    )
    if "quality" in f:
        import quality_peers

        lines.extend(quality_peers.markdown_rows(f["quality"]))
    if "dedup_quality" in f:
        x = f["dedup_quality"]
        q = x["quality"]
        lines.append(
            f"| F1, dedup of {x['scenario']} ({x['records']:,} records), default t={x['threshold']}"
            f" | {q['f1']:.4f} (precision {q['precision']:.4f}, recall {q['recall']:.4f}) "
            "| - | - |"
        )
    if "encode" in f:
        c = f["encode"]
        lines.append(
            f"| encoding, {c['records']:,} records/s | {c['engine']:,.0f} | clkhash "
            f"{c['clkhash']:,.0f} | {c['ratio']:.1f}x |"
        )
    if "end_to_end" in f:
        x = f["end_to_end"]
        lines.append(
            f"| end to end {x['records_a']:,} x {x['records_b']:,} (keys, greedy) | "
            f"{x['match_s']:.0f} s, pairs completeness {x['pairs_completeness_sample']:.4f} "
            f"(sample of {x['sample_rows']:,}), peak RSS {x['peak_rss_per_record_bytes']:.0f} "
            "B/record | - | - |"
        )
    if "end_to_end_synthetic" in f:
        x = f["end_to_end_synthetic"]
        q = x["link_quality"]
        lines.append(
            f"| synthetic end to end: {x['records_a']:,} list x {x['records_b']:,} register "
            f"(defaults) | link {x['link_s']:.1f} s, F1 {q['f1']:.4f}, pairs completeness on "
            f"the true matches exhaustive finds {x['true_match_completeness_sample']:.4f}, on "
            f"exhaustive decisions {x['pairs_completeness_sample']:.4f}; register dedup "
            f"{x['dedup_s']:.1f} s; "
            f"peak RSS {x['peak_rss_per_record_bytes']:.0f} B/record | - | - |"
        )
    if "quality" in f:
        import quality_peers

        lines += ["", "Linkage quality per extract (mean over the seeds):", ""]
        lines.append(quality_peers.per_extract_markdown(f["quality"]))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--e2e", type=int, default=0, help="records per side for end to end")
    parser.add_argument(
        "--e2e-synthetic", type=int, default=0, help="population size for the synthetic run"
    )
    parser.add_argument("--quality-size", type=int, default=50_000)
    parser.add_argument("--out", type=Path, help="JSON path (default bench/results/...)")
    args = parser.parse_args()
    figures = run(args)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or HERE / "results" / f"peers-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(figures), encoding="utf-8")
    print(markdown(figures))
    print(f"wrote {out} and {out.with_suffix('.md')}", file=sys.stderr)


if __name__ == "__main__":
    main()

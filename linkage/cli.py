"""`pprl match`, `pprl dedup` and `pprl groups` (`pprl evaluate*`: `linkage.cli_evaluate`)."""

from __future__ import annotations

import enum
import math
import time
from pathlib import Path

import click
import numpy as np

from linkage.options import (
    DEFAULT_BLOCKING,
    DEFAULT_DEDUP_THRESHOLD,
    DEFAULT_DUPLICATES_AT,
    DEFAULT_LSH_BANDS,
    DEFAULT_LSH_BITS_PER_BAND,
    DEFAULT_SOLVER,
    DEFAULT_THRESHOLD,
    MAX_LSH_BITS_PER_BAND,
    REVIEW_BAND,
    BlockingMethod,
    LSHOptions,
    Solver,
    ThresholdRule,
    threshold_rule,
)
from pprl.extras import require_extra
from pprl.files import write_atomic, write_json_atomic, write_table_csv_atomic
from pprl.progress import ProgressBar


class EnumChoice(click.Choice):
    """One of an enum's values on the command line; the command receives the enum member."""

    def __init__(self, kind: type[enum.Enum]) -> None:
        self.kind = kind
        super().__init__([member.value for member in kind])

    def convert(self, value, param, ctx):
        if isinstance(value, self.kind):
            return value
        return self.kind(super().convert(value, param, ctx))


class UnitInterval(click.FloatRange):
    """A number in [0, 1]. click's FloatRange lets NaN through (it compares false), this not."""

    def __init__(self) -> None:
        super().__init__(0.0, 1.0)

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number in [0, 1]", param, ctx)
        return number


class ThresholdOrAuto(click.ParamType):
    """A Dice value in [0, 1], or `auto` (the run chooses it from its scores)."""

    name = "DICE|auto"

    def convert(self, value, param, ctx):
        if isinstance(value, (float, ThresholdRule)):
            return value
        try:
            return threshold_rule(value)
        except Exception as exc:  # InputError: shown as a usage error
            self.fail(str(exc), param, ctx)


AUTO_HELP = (
    "Dice similarity a pair must reach. auto: chosen from this run's scores (a two-hump "
    "mixture fitted without the truth; the encoding schema's threshold, else {default}, when "
    "it cannot be fitted); the summary says which and why."
)
THRESHOLD = click.option(
    "--threshold",
    type=ThresholdOrAuto(),
    default=ThresholdRule.AUTO.value,
    show_default=True,
    metavar="DICE|auto",
    help=AUTO_HELP.format(default=DEFAULT_THRESHOLD),
)
BLOCKING = click.option(
    "--blocking",
    type=EnumChoice(BlockingMethod),
    default=DEFAULT_BLOCKING.value,
    show_default=True,
    help="keys: shared keyed blocking keys; lsh: Hamming LSH on filters; exhaustive: all pairs.",
)
QUIET = click.option("--quiet", is_flag=True, help="No progress bar.")
LSH_BANDS = click.option(
    "--lsh-bands", type=click.IntRange(1, 512), default=DEFAULT_LSH_BANDS, show_default=True
)
LSH_BITS = click.option(
    "--lsh-bits",
    type=click.IntRange(1, MAX_LSH_BITS_PER_BAND),
    default=DEFAULT_LSH_BITS_PER_BAND,
    show_default=True,
)


class DiceOrOff(click.ParamType):
    """A Dice value in (0, 1], or `off` (converted to `off_value`)."""

    name = "DICE|off"

    def __init__(self, off_value: float | None = None) -> None:
        self.off_value = off_value

    def convert(self, value, param, ctx):
        if value is None:
            return None
        if str(value).strip().lower() == "off":
            return self.off_value
        try:
            number = float(value)
        except ValueError:
            self.fail(f"{value!r} is neither a number nor 'off'", param, ctx)
        if not 0.0 < number <= 1.0:
            self.fail(f"{value} is not in (0, 1]", param, ctx)
        return number


def _progress(quiet: bool) -> ProgressBar:
    """A bar over comparisons (restarted for each comparison's total)."""
    return ProgressBar("pair", desc="comparing", unit_scale=True, quiet=quiet)


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds / 1e6:,.1f} M/s" if seconds > 0 else "-"


@click.command("match")
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
@THRESHOLD
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="pairs.csv to write.")
@click.option(
    "--solver",
    type=EnumChoice(Solver),
    default=DEFAULT_SOLVER.value,
    show_default=True,
    help="many-to-one: best B per A record; greedy: one-to-one; none: every pair ≥ threshold.",
)
@click.option(
    "--duplicates-at",
    type=DiceOrOff(),
    metavar="DICE|off",
    default=str(DEFAULT_DUPLICATES_AT),
    show_default=True,
    help="many-to-one: also keep B records above the threshold whose filters are this close "
    "(Dice) to the chosen one, i.e. one person registered twice in B; 'off' keeps one.",
)
@BLOCKING
@click.option("--top-k", type=click.IntRange(min=1), help="Keep at most K best pairs per A record.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    help="Write a score histogram PNG (needs the plots extra): exact above the run's floor, "
    "estimated from a sample of records below it, so it costs little.",
)
@click.option(
    "--plot-floor",
    type=UnitInterval(),
    default=0.5,
    show_default=True,
    help="Lowest score shown in the histogram.",
)
@click.option("--summary", type=click.Path(dir_okay=False), help="Write the run summary as JSON.")
@click.option(
    "--review",
    type=click.Path(dir_okay=False),
    help=f"Write the uncertain pairs (match probability {REVIEW_BAND[0]:g}-{REVIEW_BAND[1]:g}), "
    "linked or not, as CSV: token_a,token_b,score,probability,linked.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False),
    help="Write a self-contained HTML report: score histogram by decision, the threshold and "
    "why, expected precision/recall/F1 as it moves, the review band, blocking, timings.",
)
@LSH_BANDS
@LSH_BITS
@QUIET
def match_command(
    a,
    b,
    threshold,
    out,
    solver,
    duplicates_at,
    blocking,
    top_k,
    plot,
    plot_floor,
    summary,
    review,
    report,
    lsh_bands,
    lsh_bits,
    quiet,
):
    """Link encoded datasets A and B; write token_a,token_b,score,probability."""
    import linkage
    from linkage.plot import score_histogram

    if plot:  # before the matching, not after it
        require_extra("matplotlib", "plots")
    started = time.perf_counter()
    left, right = linkage.load(a), linkage.load(b)
    load_s = time.perf_counter() - started
    lsh = LSHOptions(bands=lsh_bands, bits_per_band=lsh_bits)
    progress = _progress(quiet)
    try:
        result = linkage.match(
            left,
            right,
            threshold,
            blocking,
            solver,
            top_k=top_k,
            lsh=lsh,
            progress=progress,
            score_floor=plot_floor if plot else None,
            duplicates_at=duplicates_at,
        )
    finally:
        progress.close()
    threshold = result.threshold
    write_started = time.perf_counter()
    write_table_csv_atomic(out, result.to_table())
    if review:
        write_table_csv_atomic(review, result.review_table())
    timings = {"load": load_s, **result.timings, "write": time.perf_counter() - write_started}
    if plot:
        plot_started = time.perf_counter()
        score_histogram(result.histogram, threshold, plot)
        timings["plot"] = time.perf_counter() - plot_started
    info = {
        "a": a,
        "b": b,
        **result.summary(),
        "out": out,
        "review": review,
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
    }
    if summary:
        write_json_atomic(summary, info)
    if report:
        from linkage.report import match_report, render_html

        write_atomic(report, render_html(match_report(result, info)).encode("utf-8"))
    click.echo(f"threshold {threshold:g}: {result.choice.reason}")
    compare_s = result.timings.get("compare", 0.0)
    click.echo(
        f"{result.n_a:,} x {result.n_b:,} records, blocking {blocking.value}: "
        f"{result.comparisons:,} comparisons (reduction ratio {info['reduction_ratio']:.4f})"
    )
    click.echo(
        f"{len(result.candidates):,} candidate pairs >= {threshold:g}, "
        f"{len(result.pairs):,} pairs after solver {solver.value} -> {out}"
    )
    click.echo(
        "timings: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
        + f" (comparisons {_rate(result.comparisons, compare_s)})"
    )
    if review:
        band = info["review_band"]
        click.echo(f"review band: {band['pairs']:,} uncertain pairs -> {review}")
    if plot:
        click.echo(f"histogram -> {plot}")
    if report:
        click.echo(f"report -> {report}")


@click.command("dedup")
@click.argument("a", type=click.Path(dir_okay=False))
@click.option(
    "--threshold",
    type=ThresholdOrAuto(),
    default=ThresholdRule.AUTO.value,
    show_default=True,
    metavar="DICE|auto",
    help=AUTO_HELP.format(default=DEFAULT_DEDUP_THRESHOLD)
    + " Clusters chain, so auto from two humps never goes more than 0.05 below the stated"
    " threshold.",
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="clusters.csv to write."
)
@BLOCKING
@LSH_BANDS
@LSH_BITS
@QUIET
def dedup_command(a, threshold, out, blocking, lsh_bands, lsh_bits, quiet):
    """Find records of A that are the same person; write cluster,token for each duplicate."""
    import linkage

    started = time.perf_counter()
    data = linkage.load(a)
    lsh = LSHOptions(bands=lsh_bands, bits_per_band=lsh_bits)
    progress = _progress(quiet)
    try:
        clusters = linkage.dedup(data, threshold, blocking, lsh=lsh, progress=progress)
    finally:
        progress.close()
    threshold = clusters.threshold
    table = clusters.to_table()
    write_table_csv_atomic(out, table)
    n_clusters = len(set(table.column("cluster").to_pylist()))
    click.echo(
        f"{len(data):,} records, {clusters.comparisons:,} comparisons, {len(clusters.pairs):,} "
        f"pairs >= {threshold:g}: {table.num_rows:,} records in {n_clusters:,} clusters -> {out}"
    )
    click.echo(f"threshold {threshold:g}: {clusters.choice.reason}")
    click.echo(f"total {time.perf_counter() - started:.2f}s")


def _dataset_names(paths: tuple[str, ...]) -> list[str]:
    """File stems name the datasets in the output; the full paths where two stems collide."""
    stems = [Path(p).name.split(".")[0] for p in paths]
    return stems if len(set(stems)) == len(stems) else list(paths)


@click.command("groups")
@click.argument("datasets", nargs=-1, required=True, type=click.Path(dir_okay=False))
@THRESHOLD
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="groups.csv to write.")
@BLOCKING
@click.option("--summary", type=click.Path(dir_okay=False), help="Write the run summary as JSON.")
@LSH_BANDS
@LSH_BITS
@QUIET
def groups_command(datasets, threshold, out, blocking, summary, lsh_bands, lsh_bits, quiet):
    """Link three or more encoded datasets at once; write group,dataset,token.

    Every pair of datasets is compared; groups then form in score order and never hold two
    records of one dataset. Only groups with records from two or more datasets are written.
    """
    import linkage

    if len(datasets) < 2:
        raise click.UsageError("give at least two datasets (three or more is what this is for)")
    resolved = [Path(p).resolve() for p in datasets]
    for i, path in enumerate(resolved):
        if path in resolved[:i]:
            raise click.UsageError(f"{datasets[i]}: the same file is given twice")
    started = time.perf_counter()
    loaded = [linkage.load(p) for p in datasets]
    names = _dataset_names(datasets)
    progress = _progress(quiet)
    try:
        groups = linkage.link_groups(
            loaded,
            threshold,
            blocking,
            lsh=LSHOptions(bands=lsh_bands, bits_per_band=lsh_bits),
            progress=progress,
        )
    finally:
        progress.close()
    threshold = groups.choice.threshold
    write_table_csv_atomic(out, groups.to_table(names))
    _, sizes = np.unique(groups.group, return_counts=True)
    by_size = {int(k): int(v) for k, v in zip(*np.unique(sizes, return_counts=True), strict=True)}
    per_dataset = {
        names[d]: int(n) for d, n in enumerate(np.bincount(groups.dataset, minlength=len(loaded)))
    }
    info = {
        "datasets": list(datasets),
        "records": {names[i]: len(x) for i, x in enumerate(loaded)},
        "threshold": threshold,
        "threshold_choice": groups.choice.to_dict(),
        "blocking": blocking.value,
        "groups": len(sizes),
        "groups_by_size": by_size,
        "grouped_records": per_dataset,
        "out": out,
        "seconds": round(time.perf_counter() - started, 4),
    }
    if summary:
        write_json_atomic(summary, info)
    click.echo(
        f"{len(loaded)} datasets, {sum(info['records'].values()):,} records: {len(sizes):,} "
        f"groups -> {out}"
    )
    click.echo("groups by size: " + ", ".join(f"{k} records {v:,}" for k, v in by_size.items()))
    click.echo("grouped records: " + ", ".join(f"{k} {v:,}" for k, v in per_dataset.items()))
    click.echo(f"threshold {threshold:g}: {groups.choice.reason}")
    click.echo(f"total {info['seconds']:.2f}s")


def register(main: click.Group) -> None:
    from linkage.cli_evaluate import evaluate_command, evaluate_groups_command

    main.add_command(match_command)
    main.add_command(dedup_command)
    main.add_command(groups_command)
    main.add_command(evaluate_command)
    main.add_command(evaluate_groups_command)

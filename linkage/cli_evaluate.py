"""`pprl evaluate` and `pprl evaluate-groups`: quality against synthetic data's ground truth."""

from __future__ import annotations

import click

from pprl.files import write_json_atomic


def _summary_is_an_output(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--summary` is what `pprl match` and `pprl groups` write; here it would be read. One
    meaning: an old `evaluate --summary F` is refused with the option it now takes."""
    if value is not None:
        raise click.UsageError(
            "--summary names a file a command writes (pprl match --summary); give the match's "
            "summary to read with --match-summary FILE (this command writes its figures with "
            "--json FILE)",
            ctx,
        )


@click.command("evaluate")
@click.argument("pairs", type=click.Path(dir_okay=False))
@click.option("--map-a", required=True, type=click.Path(dir_okay=False))
@click.option("--map-b", required=True, type=click.Path(dir_okay=False))
@click.option("--truth-a", required=True, type=click.Path(dir_okay=False))
@click.option("--truth-b", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--candidates",
    type=click.Path(dir_okay=False),
    help="Pairs before the solver (pprl match --solver none): report pairs completeness.",
)
@click.option(
    "--match-summary",
    type=click.Path(dir_okay=False),
    help="Read the summary `pprl match --summary` wrote: report its blocking's reduction ratio.",
)
@click.option(
    "--summary",
    "old_summary",
    hidden=True,
    expose_value=False,
    callback=_summary_is_an_output,
    help="Refused: --summary names a file a command writes.",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write JSON here.")
def evaluate_command(pairs, map_a, map_b, truth_a, truth_b, candidates, match_summary, json_out):
    """Precision, recall and F1 of a pairs file against ground truth."""
    from linkage.evaluation import (
        evaluate,
        read_map,
        read_pairs,
        read_truth,
        reduction_ratio_of_summary,
    )

    found = read_pairs(pairs)
    paths = {"map_a": map_a, "truth_a": truth_a, "map_b": map_b, "truth_b": truth_b}
    truth = {
        "map_a": read_map(map_a),
        "truth_a": read_truth(truth_a),
        "map_b": read_map(map_b),
        "truth_b": read_truth(truth_b),
    }
    q = evaluate(found, **truth, names={"pairs": pairs, **paths})
    figures = q.to_dict()
    click.echo(
        f"pairs {q.pairs:,}  true pairs {q.true_pairs:,}  TP {q.true_positives:,}  "
        f"FP {q.false_positives:,}  FN {q.false_negatives:,}"
    )
    click.echo(f"precision {q.precision:.4f}  recall {q.recall:.4f}  F1 {q.f1:.4f}")
    if candidates:
        # Pairs completeness: the share of true pairs that survived blocking and the threshold.
        c = evaluate(read_pairs(candidates), **truth, names={"pairs": candidates, **paths})
        figures["pairs_completeness"] = c.recall
        click.echo(f"pairs completeness {c.recall:.4f} ({c.true_positives:,} of {c.true_pairs:,})")
    if match_summary:
        figures["reduction_ratio"] = reduction_ratio_of_summary(match_summary)
        click.echo(f"reduction ratio {figures['reduction_ratio']:.6f}")
    if json_out:
        write_json_atomic(json_out, figures)


@click.command("evaluate-groups")
@click.argument("groups", type=click.Path(dir_okay=False))
@click.option(
    "--dataset",
    "datasets",
    required=True,
    multiple=True,
    type=(str, click.Path(dir_okay=False), click.Path(dir_okay=False)),
    metavar="NAME MAP TRUTH",
    help="A dataset named in the groups file, its <X>.map.parquet and truth CSV (repeat).",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write JSON here.")
def evaluate_groups_command(groups, datasets, json_out):
    """Pairwise precision, recall and F1 of a `pprl groups` file against ground truth."""
    from linkage.evaluation import evaluate_groups

    named = {name: (map_path, truth) for name, map_path, truth in datasets}
    if len(named) != len(datasets):
        raise click.UsageError("each --dataset NAME may be given once")
    q = evaluate_groups(groups, named)
    click.echo(
        f"linked pairs {q.pairs:,}  true pairs {q.true_pairs:,}  TP {q.true_positives:,}  "
        f"FP {q.false_positives:,}  FN {q.false_negatives:,}"
    )
    click.echo(f"precision {q.precision:.4f}  recall {q.recall:.4f}  F1 {q.f1:.4f}")
    if json_out:
        write_json_atomic(json_out, q.to_dict())

"""`pprl privacy`: play the curious matcher against an encoded file, for security reviewers.

The attacks see only what the matcher holds (the encoded file: tokens, filters, popcounts,
blocking keys, manifest) and a plaintext reference population of other people; the
department's own plaintext (`--truth` with its map) is read only afterwards, to score what
the attacks guessed. Without `--truth` the report says how many records each attack guessed
for, not how many it got right.
"""

from __future__ import annotations

from pathlib import Path

import click

from pprl.files import write_json_atomic

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("privacy")
@click.argument("encoded", type=FILE)
@click.option("--reference", required=True, type=FILE, help="Public reference CSV or Parquet.")
@click.option(
    "--reference-columns",
    type=FILE,
    help="field -> column JSON for the reference (as `pprl synth` writes) [default: the "
    "schema's field names as columns].",
)
@click.option("--schema", default="cn-identity", show_default=True, help="Name or JSON file.")
@click.option(
    "--truth",
    type=(FILE, FILE, FILE),
    metavar="EXTRACT MAP COLUMNS",
    help="The department's extract, the encode's X.map.parquet and the extract's columns "
    "JSON: read only after the attacks, to score them.",
)
@click.option(
    "--graph-nodes",
    default=2000,
    show_default=True,
    type=click.IntRange(100, 100_000),
    help="Records the similarity-graph attack samples on each side.",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write JSON here.")
def privacy_command(encoded, reference, reference_columns, schema, truth, graph_nodes, json_out):
    """Attack an encoded file as the matcher could, and report what it gives away."""
    from bloom.attacks import run_harness

    report = run_harness(
        encoded,
        reference,
        schema,
        truth=truth,
        reference_columns=reference_columns,
        graph_nodes=graph_nodes,
    )
    click.echo(report.to_text())
    if json_out:
        write_json_atomic(json_out, report.to_dict())


def register(main: click.Group) -> None:
    main.add_command(privacy_command)

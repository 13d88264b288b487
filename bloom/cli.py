"""`pprl` commands of the department side: `encode`, `clk export|import`."""

from __future__ import annotations

from pathlib import Path

import click

from bloom.passphrase import read_passphrase
from bloom.secret import LinkageSecret
from pprl.errors import InputError


def open_secret(path: Path) -> LinkageSecret:
    return LinkageSecret.load(path, read_passphrase(f"linkage secret {path}"))


@click.command("encode")
@click.option(
    "--schema",
    default="cn-identity",
    show_default=True,
    help="Built-in schema name or a schema JSON file.",
)
@click.option(
    "--secret",
    "secret_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The encrypted linkage secret (passphrase from PPRL_PASSPHRASE or a prompt).",
)
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV or Parquet file with the department's records.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Encoded Parquet file; X.map.parquet and X.rejects.csv are written beside it.",
)
@click.option(
    "--columns",
    type=click.Path(path_type=Path),
    help="<extract>.columns.json mapping schema fields to the file's columns.",
)
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Map one schema field (or record_id) to a column; repeatable.",
)
@click.option("--department", help="Department code recorded in the manifest.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of a CSV.")
@click.option(
    "--strict", is_flag=True, help="Fail when a schema field finds no column (else a warning)."
)
@click.option(
    "--force", is_flag=True, help="Replace existing outputs (the map above all) if present."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes to encode with (default: every core for 50,000 rows or more, else 1).",
)
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
def encode_command(
    schema: str,
    secret_path: Path,
    input_path: Path,
    out: Path,
    columns: Path | None,
    pairs: tuple[str, ...],
    department: str | None,
    encoding: str,
    strict: bool,
    force: bool,
    workers: int | None,
    quiet: bool,
) -> None:
    """Encode records into keyed Bloom filters for matching (run by the department)."""
    from bloom.files import check_outputs, encode_file
    from bloom.schema import load_schema
    from pprl.progress import ProgressBar
    from pprl.tables import parse_column_map

    loaded = load_schema(schema)  # a bad schema fails before the passphrase prompt
    mapping = parse_column_map(pairs, "--map")
    if not input_path.exists():
        raise InputError("no such file", path=str(input_path))
    protect = {"input": input_path, "secret": secret_path}
    if columns is not None:
        protect["columns file"] = columns
    check_outputs(out, protect, force=force)  # before the passphrase is asked for
    secret = open_secret(secret_path)
    bar = ProgressBar("rec", leave=False, quiet=quiet)
    try:
        summary = encode_file(
            input_path,
            out,
            loaded,
            secret,
            columns=columns,
            department=department,
            mapping=mapping,
            encoding=encoding,
            progress=bar,
            workers=workers,
            strict=strict,
            force=force,
            protect={"secret": secret_path},
        )
    finally:
        bar.close()
    if summary.missing_fields:  # even with --quiet: a field left out changes every match
        click.echo(
            f"warning: no column found for schema field(s) {', '.join(summary.missing_fields)}"
            " (encoded as empty; --strict makes this an error)",
            err=True,
        )
    if not quiet:
        for line in summary.lines():
            click.echo(line)
    for line in summary.exposures:  # even with --quiet: the department must know
        click.echo(f"warning: {line}", err=True)


@click.group("clk")
def clk_group() -> None:
    """Exchange filters with clkhash/anonlink ({"clks": [base64, ...]} JSON)."""


@clk_group.command("export")
@click.argument("encoded", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def clk_export(encoded: Path, out: Path) -> None:
    """Write an encoded dataset's filters as clkhash JSON (same order as the file)."""
    from bloom.clk_format import export_clks

    count = export_clks(encoded, out)
    click.echo(f"exported {count} filters to {out}")


@clk_group.command("import")
@click.argument("clks_json", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--schema-label",
    required=True,
    help="Stands for the schema fingerprint; only equal labels are compared.",
)
@click.option(
    "--key-label", required=True, help="Stands for the key id; only equal labels are compared."
)
def clk_import(clks_json: Path, out: Path, schema_label: str, key_label: str) -> None:
    """Turn clkhash JSON filters into an encoded dataset (+ map of token -> JSON index)."""
    from bloom.clk_format import import_clks

    count, map_path = import_clks(clks_json, out, schema_label=schema_label, key_label=key_label)
    click.echo(f"imported {count} filters into {out} (map {map_path})")


def register(main: click.Group) -> None:
    main.add_command(encode_command)
    main.add_command(clk_group)

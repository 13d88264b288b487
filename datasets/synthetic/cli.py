"""`pprl synth`: write a scenario's department extracts and ground truth."""

from __future__ import annotations

import dataclasses
import sys

import click
from pprl_synthetic.corruption import CorruptionRates
from pprl_synthetic.generate import MAX_SEED, generate_scenario
from pprl_synthetic.scenarios import DEFAULT_SCENARIO, SCENARIOS

from pprl.errors import InputError


def parse_rates(
    overrides: tuple[str, ...], clean: bool, base: CorruptionRates | None = None
) -> CorruptionRates:
    """`KIND=RATE` overrides on top of `base` (or of all-zero rates with --clean)."""
    base = CorruptionRates.none() if clean else (base or CorruptionRates())
    known = {f.name for f in dataclasses.fields(CorruptionRates)}
    changes: dict[str, float] = {}
    for item in overrides:
        kind, sep, value = item.partition("=")
        if not sep or kind not in known:
            raise InputError(
                f"--rate expects KIND=RATE, KIND one of {', '.join(sorted(known))}; got {item!r}"
            )
        try:
            changes[kind] = float(value)
        except ValueError:
            raise InputError(f"--rate {kind}: not a number: {value!r}") from None
    try:
        return dataclasses.replace(base, **changes)
    except ValueError as exc:
        raise InputError(str(exc)) from None


@click.command("synth")
@click.option("--scenario", default=DEFAULT_SCENARIO, show_default=True, help="Scenario name.")
@click.option(
    "--size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="People in the synthetic population the extracts draw from.",
)
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output directory.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True
)
@click.option(
    "--rate",
    "rates",
    multiple=True,
    metavar="KIND=RATE",
    help="Override a corruption rate, e.g. name_homophone=0.05 (repeatable).",
)
@click.option("--clean", is_flag=True, help="No errors at all unless given with --rate.")
@click.option("--list", "list_only", is_flag=True, help="List the scenarios and exit.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def synth(
    scenario: str,
    size: int,
    seed: int,
    out_dir: str | None,
    fmt: str,
    rates: tuple[str, ...],
    clean: bool,
    list_only: bool,
    quiet: bool,
) -> None:
    """Write synthetic department extracts with ground truth (no real person's data)."""
    if list_only:
        for name, sc in SCENARIOS.items():
            extracts = ", ".join(e.name for e in sc.extracts)
            click.echo(f"{name}\n    {sc.description}\n    extracts: {extracts}")
        return
    if out_dir is None:
        raise InputError("--out DIR is required (or use --list)", field="out")
    if scenario not in SCENARIOS:
        raise InputError(
            f"unknown scenario {scenario!r}; see `pprl synth --list`", field="scenario"
        )
    corruption = parse_rates(rates, clean, SCENARIOS[scenario].corruption)
    progress = not quiet and sys.stderr.isatty()
    result = generate_scenario(
        scenario, size, seed, out_dir, fmt, rates=corruption, progress=progress
    )
    if not quiet:
        for e in result["extracts"]:
            click.echo(f"{out_dir}/{e['file']}: {e['rows']} rows ({e['department']})")


def register(main: click.Group) -> None:
    main.add_command(synth)

"""`pprl synth`: write a scenario's department extracts and ground truth."""

from __future__ import annotations

import dataclasses
import sys

import click

from pprl.errors import InputError
from pprl_synthetic import tables
from pprl_synthetic.corruption import CorruptionRates
from pprl_synthetic.generate import MAX_SEED, generate_scenario
from pprl_synthetic.population import PopulationConfig
from pprl_synthetic.scenarios import DEFAULT_SCENARIO, SCENARIOS


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
    return dataclasses.replace(base, **changes)


def parse_regions(text: str) -> PopulationConfig:
    """`xinjiang=1,national=2` -> a population living in those region groups."""
    groups = sorted(set(tables.regions().group.tolist()))
    weights = []
    for item in text.split(","):
        group, sep, value = item.strip().partition("=")
        if not sep or group not in groups:
            raise InputError(
                f"--regions expects GROUP=WEIGHT, GROUP one of {', '.join(groups)}; got {item!r}"
            )
        try:
            weight = float(value)
        except ValueError:
            raise InputError(f"--regions {group}: not a number: {value!r}") from None
        if weight < 0:
            raise InputError(f"--regions {group}: weight must not be negative")
        weights.append((group, weight))
    if sum(w for _, w in weights) <= 0:
        raise InputError("--regions: at least one weight must be positive")
    return PopulationConfig(region_weights=tuple(weights))


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
@click.option(
    "--regions",
    metavar="GROUP=WEIGHT,...",
    help="Where people live: weights of xinjiang, yancheng, bayannur, jian, national "
    "(default xinjiang=0.25,yancheng=0.2,bayannur=0.15,jian=0.2,national=0.2).",
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
    regions: str | None,
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
    population = parse_regions(regions) if regions else None
    result = generate_scenario(
        scenario, size, seed, out_dir, fmt, rates=corruption, population=population,
        progress=progress,
    )  # fmt: skip
    if not quiet:
        for e in result["extracts"]:
            click.echo(f"{out_dir}/{e['file']}: {e['rows']} rows ({e['department']})")


def register(main: click.Group) -> None:
    main.add_command(synth)

"""`pprl demo` (filled in below)."""

import click


@click.command()
def demo() -> None:
    """End-to-end cross-matching demo."""
    raise click.UsageError("not ready")

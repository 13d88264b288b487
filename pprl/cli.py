"""The `pprl` command line.

Each area owns its commands in its own module and adds them here through `register(main)`:
`bloom.cli` (encode, keys new, clk import/export), `pprl_synthetic.cli` (synth),
`linkage.cli` (match, dedup, evaluate), `governance.cli` (pki, catalog, agreement, audit,
keys share/receive), `transport.cli` (serve, upload, run, disclose, receive, demo).
Errors from the engine's hierarchy become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from pprl.errors import PprlError

AREA_MODULES = (
    "bloom.cli",
    "pprl_synthetic.cli",
    "linkage.cli",
    "governance.cli",
    "transport.cli",
)


class EngineGroup(click.Group):
    """A click group that turns engine errors into one clear line and an exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PprlError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            # An unexpected failure: its message may quote input rows (plaintext), so only the
            # type is shown unless the operator asks for the traceback.
            if os.environ.get("PPRL_DEBUG"):
                raise
            click.echo(
                f"error: unexpected {type(exc).__name__}; set PPRL_DEBUG=1 to see the traceback",
                err=True,
            )
            sys.exit(70)


@click.group(cls=EngineGroup)
@click.version_option(package_name="pprl-engine")
def main() -> None:
    """Privacy-preserving record linkage for cross-department matching."""


@main.group(cls=EngineGroup)
def keys() -> None:
    """Linkage secrets: create, share to departments, receive."""


def _register_areas() -> None:
    for name in AREA_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # An area that is not built yet simply adds no commands.
            if exc.name in (name, name.rsplit(".", 1)[0]):
                continue
            raise
        module.register(main)


_register_areas()

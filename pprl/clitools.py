"""The click group every `pprl` command tree uses: engine errors become one line and an exit code.

The root command (`pprl_app.cli`) and the matcher process's own entry (`python -m transport`)
both build on it, so an error looks the same whichever started the process.
"""

from __future__ import annotations

import os
import sys

import click

from pprl.errors import PprlError


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

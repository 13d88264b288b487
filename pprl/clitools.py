"""The click group every `pprl` command tree uses: engine errors become one line and an exit code.

The root command (`pprl_app.cli`) and the matcher process's own entry (`python -m transport`)
both build on it, so an error looks the same whichever started the process.

A reader that goes away early (`pprl audit show | head`) is not an error: like a Unix tool
killed by SIGPIPE, the command stops at once, says nothing and exits with 141 (128 + SIGPIPE,
what a shell reports for such a tool, so `set -o pipefail` scripts see the same either way).
"""

from __future__ import annotations

import os
import sys

import click

from pprl.errors import PprlError

BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, as a shell reports a tool the signal ended


class EngineGroup(click.Group):
    """A click group that turns engine errors into one clear line and an exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PprlError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(BROKEN_PIPE_EXIT)
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


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (captured by a test runner)
        pass
    finally:
        os.close(devnull)

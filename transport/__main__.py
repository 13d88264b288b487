"""`python -m transport ...`: the matcher-side commands alone (used to start the matcher process).

The full `pprl` command line lives in the application layer (`pprl_app.cli`); this entry needs
nothing above `transport`, so the matcher process never loads the encoder's commands or the demo.
"""

import click

from pprl.clitools import EngineGroup
from transport.cli import health, serve


@click.group(cls=EngineGroup)
def main() -> None:
    """The matcher's commands."""


main.add_command(serve)
main.add_command(health)
main()

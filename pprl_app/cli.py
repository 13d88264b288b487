"""The `pprl` command line.

Each area owns its commands in its own module and adds them here through `register(main)`:
`bloom.cli` (encode, clk import/export), `pprl_synthetic.cli` (synth), `linkage.cli` (match,
dedup, groups, evaluate), `governance.cli` (pki, catalog, agreement, audit, warnings),
`transport.cli` (serve, upload, run, disclose, receive); this package owns `keys` (new, share,
receive: the secret is the encoder's, its wrapping is governance's) and `demo`.
Errors from the engine's hierarchy become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import importlib

import click

from pprl.clitools import EngineGroup

AREA_MODULES = (
    "bloom.cli",
    "pprl_synthetic.cli",
    "linkage.cli",
    "governance.cli",
    "transport.cli",
    "pprl_app.cli_keys",
    "pprl_app.demo",
)


@click.group(cls=EngineGroup)
@click.version_option(package_name="pprl-engine")
def main() -> None:
    """Privacy-preserving record linkage for cross-department matching."""


def _register_areas() -> None:
    for name in AREA_MODULES:
        importlib.import_module(name).register(main)


_register_areas()

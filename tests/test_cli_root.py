"""The root command's table matches what the areas register, and `pprl --help` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from pprl_app.cli import COMMANDS, area_commands, main


def test_the_table_names_every_command_its_module_registers_with_its_help_line():
    registered = {}
    for modules in {modules for modules, _ in COMMANDS.values()}:
        for name, command in area_commands(modules).items():
            registered[name] = (modules, command.get_short_help_str(limit=300))
    assert registered == COMMANDS


def test_every_command_resolves_through_the_root():
    ctx = click.Context(main)
    for name in COMMANDS:
        assert main.get_command(ctx, name).name == name
    assert main.get_command(ctx, "no-such-command") is None


def test_help_loads_no_area_numpy_arrow_or_grpc():
    probe = (
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from pprl_app.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(json.dumps([r.output, sorted(sys.modules)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    text, loaded = json.loads(out.stdout)
    assert "encode" in text and "warnings" in text
    heavy = {"numpy", "pyarrow", "grpc", "numba", "bloom", "linkage", "transport", "governance"}
    assert heavy.isdisjoint(m.split(".")[0] for m in loaded)

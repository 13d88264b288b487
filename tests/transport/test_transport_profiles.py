"""Profiles, the environment variables --help names, `pprl health` and `serve --ready-file`."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from pprl_app.cli import main
from transport.process import MatcherProcess

pytestmark = pytest.mark.e2e


def _runner(tmp_path) -> CliRunner:
    clean = {n: None for n in ("PPRL_SERVER", "PPRL_CERT", "PPRL_KEY", "PPRL_CA", "PPRL_CRL")}
    return CliRunner(env={**clean, "PPRL_PROFILE_DIR": str(tmp_path / "profiles")})


def test_a_profile_replaces_the_four_tls_options(world, server, tmp_path):
    runner = _runner(tmp_path)
    party = world.parties["MCA"]
    add = [
        "profile", "add", "mca", "--server", server.target, "--cert", str(party.cert),
        "--key", str(party.key), "--ca", str(party.ca),
    ]  # fmt: skip
    assert runner.invoke(main, add).exit_code == 0
    path = tmp_path / "profiles" / "mca.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["cert"] == str(party.cert.resolve()) and "PRIVATE" not in path.read_text()
    again = runner.invoke(main, add)
    assert again.exit_code == 2 and "--replace" in again.stderr
    assert runner.invoke(main, [*add, "--replace"]).exit_code == 0
    assert runner.invoke(main, ["profile", "list"]).stdout.split() == ["mca"]
    listed = runner.invoke(main, ["agreement", "list", "--profile", "mca"])
    assert listed.exit_code == 0 and "MCA\tMPS" in listed.stdout
    by_env = runner.invoke(main, ["health"], env={"PPRL_PROFILE": "mca"})
    assert by_env.exit_code == 0 and by_env.stdout.strip().endswith("serving")
    # an option given wins over the profile's value
    elsewhere = runner.invoke(
        main, ["health", "--profile", "mca", "--server", "localhost:1", "--wait", "0"]
    )
    assert elsewhere.exit_code == 1
    assert runner.invoke(main, ["profile", "remove", "mca"]).exit_code == 0
    gone = runner.invoke(main, ["agreement", "list", "--profile", "mca"])
    assert gone.exit_code == 2 and "no profile 'mca'" in gone.stderr


@pytest.mark.parametrize(
    "command", [["agreement", "list"], ["upload"], ["run", "create"], ["warnings", "issue"]]
)
def test_help_names_the_environment_variables(command):
    text = " ".join(CliRunner().invoke(main, [*command, "--help"]).stdout.split())
    for variable in ("PPRL_PROFILE", "PPRL_SERVER", "PPRL_CERT", "PPRL_KEY", "PPRL_CA", "PPRL_CRL"):
        assert f"env var: {variable}" in text, variable


def test_serve_writes_a_ready_file_and_removes_it_at_stop(world, tmp_path):
    ready = tmp_path / "ready"
    proc = MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key)
    proc.start(extra_args=("--ready-file", str(ready)))
    try:
        assert ready.read_text().strip() == f"127.0.0.1:{proc.port}"
    finally:
        proc.stop()
    assert not ready.exists()

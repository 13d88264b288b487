"""Client commands open an encrypted department key with PPRL_KEY_PASSPHRASE, else a prompt."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from governance import pki
from pprl_app.cli import main

pytestmark = pytest.mark.e2e

KEY_PASS = "mca-key-passphrase-4c1d"


@pytest.fixture(scope="module")
def encrypted_party(world, tmp_path_factory):
    home = tmp_path_factory.mktemp("mca-encrypted")
    issued = pki.issue(
        world.ca_dir,
        "MCA",
        "Civil affairs",
        home,
        KEY_PASS.encode(),
        ca_passphrase=world.ca_passphrase,
    )
    return issued


def _invoke(world, server, party, *, env_pass=None, typed=None):
    env = {
        "PPRL_SERVER": server.target,
        "PPRL_CERT": str(party.certificate_path),
        "PPRL_KEY": str(party.key_path),
        "PPRL_CA": str(world.parties["MCA"].ca),
        "PPRL_KEY_PASSPHRASE": env_pass,
    }
    return CliRunner().invoke(main, ["run", "status", "run-0123456789abcdef"], env=env, input=typed)


def test_an_encrypted_key_is_asked_for_and_never_echoed(world, server, encrypted_party):
    result = _invoke(world, server, encrypted_party, typed=KEY_PASS + "\n")
    assert "Passphrase for private key" in result.output
    assert KEY_PASS not in result.output
    # The key opened and TLS completed; the matcher refuses a certificate it never registered.
    assert result.exit_code != 0
    assert "matcher refused (unauthenticated)" in result.output


def test_the_environment_variable_is_used_without_a_prompt(world, server, encrypted_party):
    result = _invoke(world, server, encrypted_party, env_pass=KEY_PASS)
    assert "Passphrase for" not in result.output
    assert "matcher refused (unauthenticated)" in result.output


def test_no_passphrase_is_one_clear_line(world, server, encrypted_party):
    result = _invoke(world, server, encrypted_party, typed="")
    assert result.exit_code != 0
    assert "no passphrase given for private key" in result.output
    assert "Traceback" not in result.output

"""The shared helpers of the contracts layer (`pprl`): one place for each repeated job."""

from __future__ import annotations

from pprl import passphrase


def test_passphrase_variables_have_their_documented_names():
    assert passphrase.SECRET_ENV == "PPRL_PASSPHRASE"
    assert passphrase.CA_ENV == "PPRL_CA_PASSPHRASE"
    assert passphrase.KEY_ENV == "PPRL_KEY_PASSPHRASE"
    assert passphrase.MATCHER_KEY_ENV == "PPRL_MATCHER_KEY_PASSPHRASE"
    documented = {
        "PPRL_PASSPHRASE",
        "PPRL_CA_PASSPHRASE",
        "PPRL_KEY_PASSPHRASE",
        "PPRL_MATCHER_KEY_PASSPHRASE",
    }
    assert documented == passphrase.PASSPHRASE_VARIABLES


def test_passphrase_comes_from_its_variable(monkeypatch):
    monkeypatch.setenv(passphrase.CA_ENV, "ca words")
    assert passphrase.read_passphrase(passphrase.CA_ENV, "the CA key") == b"ca words"

"""The governance commands as an office and departments use them, and their one-line errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pprl_app.cli import main

ENV = {
    "PPRL_CA_PASSPHRASE": "ca passphrase",
    "PPRL_KEY_PASSPHRASE": "key passphrase",
    "PPRL_PASSPHRASE": "secret passphrase",
}


class Pprl:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pprl-data"
        self.certs = self.data / "certs"  # certificates issued from requests, the matcher's
        self.keys = root / "keys"  # the parties' keys: never inside the matcher's data directory
        self.ca = root / "office" / "ca"  # the office's CA: never inside it either
        self.runner = CliRunner(env={**ENV, "PPRL_CA_DIR": str(self.ca)})

    def __call__(self, *args: str, ok: bool = True):
        result = self.runner.invoke(main, [*args[:2], "--data-dir", str(self.data), *args[2:]])
        if ok:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code != 0, result.output
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
            assert "Traceback" not in result.output
        return result

    def signer(self, code: str) -> list[str]:
        return ["--cert", str(self.keys / f"{code}.crt"), "--key", str(self.keys / f"{code}.key")]


@pytest.fixture
def pprl(tmp_path: Path) -> Pprl:
    p = Pprl(tmp_path)
    keys = ["--out", str(p.keys)]
    p("pki", "init", "--name", "Provincial Big Data Office", *keys)
    p("pki", "issue", "--department", "MCA", "--name", "民政厅", *keys)
    p("pki", "issue", "--department", "MPS", "--name", "公安厅", *keys)
    p("pki", "issue", "--department", "MOHRSS", "--name", "人社厅", *keys)
    p(
        "catalog", "add", *p.signer("MPS"), "--id", "MPS-DEATHS", "--category", "人口信息",
        "--name", "死亡人口信息", "--provider", "MPS", "--format", "parquet",
        "--field", "name", "--field", "id_number", "--field", "death_date",
        "--update-cycle", "monthly", "--sharing-type", "conditional",
        "--conditions", "signed agreement", "--scope", "province", "--method", "interface",
        "--source-system", "hukou", "--security-level", "important",
    )  # fmt: skip
    return p


def _apply(pprl: Pprl, valid_from="2026-01-01", valid_until="2099-12-31") -> str:
    result = pprl(
        "agreement", "apply", *pprl.signer("MCA"), "--provider", "MPS", "--entry", "MPS-DEATHS",
        "--purpose", "dibao eligibility review", "--scenario", "low-income vs deaths",
        "--scope", "330000", "--disclose", "death_date",
        "--valid-from", valid_from, "--valid-until", valid_until,
    )  # fmt: skip
    return result.stdout.strip()


def _show(pprl: Pprl, agreement_id: str) -> dict:
    return json.loads(pprl("agreement", "show", agreement_id).stdout)


def test_catalogue_commands(pprl):
    assert "MPS-DEATHS\tv1\tMPS\tconditional" in pprl("catalog", "list").stdout
    shown = json.loads(pprl("catalog", "show", "MPS-DEATHS").stdout)
    assert len([k for k in shown if k not in ("entry_id", "version", "created_at")]) == 12
    assert "no catalogue entry" in pprl("catalog", "show", "NOPE", ok=False).stderr


def test_conditional_agreement_from_application_to_revocation(pprl):
    ag = _apply(pprl)
    assert _show(pprl, ag)["status"] == "pending"
    assert pprl("agreement", "approve", *pprl.signer("MCA"), ag, ok=False).stderr == (
        "error: permission denied\n"
    )
    assert pprl("agreement", "approve", *pprl.signer("OFFICE"), ag).stdout.strip() == (
        f"{ag}: pending"
    )
    assert pprl("agreement", "approve", *pprl.signer("MPS"), ag).stdout.strip() == (
        f"{ag}: in-force"
    )
    assert f"{ag}\tin-force\tMCA\tMPS" in pprl("agreement", "list").stdout
    pprl("agreement", "revoke", *pprl.signer("MOHRSS"), ag, ok=False)
    pprl("agreement", "revoke", *pprl.signer("MCA"), ag)
    assert _show(pprl, ag)["status"] == "revoked"
    actions = pprl("audit", "show", "--agreement", ag).stdout
    assert [line.split("\t")[3] for line in actions.splitlines()] == [
        "agreement.apply",
        "agreement.approve",
        "agreement.approve",
        "agreement.revoke",
    ]


def test_expired_agreement(pprl):
    ag = _apply(pprl, "2020-01-01", "2021-01-01")
    pprl("agreement", "approve", *pprl.signer("OFFICE"), ag)
    pprl("agreement", "approve", *pprl.signer("MPS"), ag)
    assert _show(pprl, ag)["status"] == "expired"


def test_revoked_certificate_is_refused(pprl):
    ag = _apply(pprl)
    pprl("pki", "revoke", "--department", "MPS")
    assert pprl("agreement", "approve", *pprl.signer("MPS"), ag, ok=False).stderr == (
        "error: permission denied\n"
    )
    pprl("pki", "revoke", "--department", "MPS", ok=False)
    pprl("pki", "crl")


def test_bad_input_is_one_line(pprl, tmp_path):
    empty = Pprl(tmp_path / "elsewhere")
    assert "run `pprl pki init` first" in empty("catalog", "list", ok=False).stderr
    assert (
        "invalid department code"
        in pprl("pki", "issue", "--department", "bad code", "--name", "x", ok=False).stderr
    )
    again = pprl("pki", "init", "--name", "again", "--out", str(pprl.root / "o2"), ok=False)
    assert "already initialised" in again.stderr
    assert "valid_from" in pprl(
        "agreement", "apply", *pprl.signer("MCA"), "--provider", "MPS", "--entry", "MPS-DEATHS",
        "--purpose", "p", "--scenario", "s", "--scope", "330000",
        "--valid-from", "yesterday", "--valid-until", "2030-01-01", ok=False,
    ).stderr  # fmt: skip
    wrong = CliRunner(env={**ENV, "PPRL_KEY_PASSPHRASE": "wrong"})
    result = wrong.invoke(
        main, ["agreement", "approve", "--data-dir", str(pprl.data), *pprl.signer("MPS"), "AG-X"]
    )
    assert result.exit_code != 0 and result.stderr.startswith("error: cannot open private key")


def test_audit_verify_and_anchor(pprl, tmp_path):
    _apply(pprl)
    anchor = tmp_path / "anchor.json"
    pprl("audit", "anchor", *pprl.signer("OFFICE"), "--out", str(anchor))
    assert "audit log verifies" in pprl("audit", "verify", "--anchor", str(anchor)).stdout
    pinned = ["--anchor", str(anchor), "--ca", str(pprl.ca / "ca.crt")]
    assert "audit log verifies" in pprl("audit", "verify", *pinned).stdout
    pprl("audit", "anchor", *pprl.signer("MCA"), ok=False)
    conn = sqlite3.connect(pprl.data / "governance.sqlite")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'MOHRSS' WHERE seq = 4")
    conn.commit()
    conn.close()
    assert pprl("audit", "verify", ok=False).stderr == (
        "error: audit log does not verify: entry 4 was modified\n"
    )


def test_audit_show_filters(pprl):
    _apply(pprl)
    lines = pprl("audit", "show", "--department", "MCA", "--json").stdout.splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["agreement.apply"]
    assert pprl("audit", "show", "--since", "2999-01-01").stdout == ""


def test_keys_share_and_receive(pprl):
    dept = pprl.root / "mca"
    dept.mkdir()
    made = pprl.runner.invoke(main, ["keys", "new", "--out", str(dept / "linkage.key")])
    assert made.exit_code == 0, made.output
    key_id = made.stdout.strip()
    shared = pprl(
        "keys", "share", "--secret", str(dept / "linkage.key"),
        "--to", str(pprl.keys / "MPS.crt"), "--to", str(pprl.keys / "MOHRSS.crt"), "--relay",
    ).stdout  # fmt: skip
    assert shared.count(key_id) == 2
    wrapped = pprl.data / "wrapped" / f"MOHRSS.{key_id}.wrapped"
    # the wrong department's key cannot open MOHRSS's envelope
    result = pprl(
        "keys", "receive", *pprl.signer("MPS"), "--wrapped", str(wrapped),
        "--out", str(pprl.root / "stolen.key"), ok=False,
    )  # fmt: skip
    assert result.stderr == "error: cannot unwrap the linkage secret\n"
    assert not (pprl.root / "stolen.key").exists()
    # each department collects its own from the relay
    for code in ("MPS", "MOHRSS"):
        out = pprl.root / f"{code}.linkage.key"
        got = pprl("keys", "receive", *pprl.signer(code), "--out", str(out)).stdout.strip()
        assert got == key_id
    collected = pprl("audit", "show", "--action", "secret.collect").stdout.splitlines()
    assert [line.split("\t")[2] for line in collected] == ["MPS", "MOHRSS"]
    # a certificate the CA revoked gets nothing wrapped to it
    pprl("pki", "revoke", "--department", "MOHRSS")
    refused = pprl(
        "keys", "share", "--secret", str(dept / "linkage.key"),
        "--to", str(pprl.keys / "MOHRSS.crt"), ok=False,
    )  # fmt: skip
    assert "revoked" in refused.stderr
    again = pprl(
        "keys", "receive", *pprl.signer("MOHRSS"), "--out", str(pprl.root / "again.key"), ok=False
    )  # fmt: skip
    assert again.stderr == "error: permission denied\n"


def test_failed_init_leaves_nothing(tmp_path, monkeypatch):
    from governance import pki

    def broken_issue(*args, **kwargs):
        raise OSError("disk full")

    p = Pprl(tmp_path)
    monkeypatch.setattr(pki, "issue", broken_issue)
    init = ["pki", "init", "--data-dir", str(p.data), "--name", "Office", "--out", str(p.keys)]
    result = p.runner.invoke(main, init)
    assert result.exit_code != 0
    assert not p.ca.exists() and not (p.data / "governance.sqlite").exists()
    assert not list(p.keys.glob("*"))
    monkeypatch.undo()
    p("pki", "init", "--name", "Office", "--out", str(p.keys))
    assert (p.ca / "ca.crt").exists()


def test_department_keeps_its_key_with_a_request(pprl):
    endpoint = pprl.root / "mof-endpoint"
    made = pprl.runner.invoke(
        main, ["pki", "request", "--department", "MOF", "--name", "财政厅", "--out", str(endpoint)]
    )
    assert made.exit_code == 0, made.output
    out = pprl("pki", "issue", "--department", "MOF", "--csr", str(endpoint / "MOF.csr")).stdout
    assert "private key" not in out and not (pprl.certs / "MOF.key").exists()
    assert "MOF" in pprl("pki", "issue", "--department", "MCA2", "--csr",
                         str(endpoint / "MOF.csr"), ok=False).stderr  # fmt: skip
    ag = _apply(pprl)
    signer = ["--cert", str(pprl.certs / "MOF.crt"), "--key", str(endpoint / "MOF.key")]
    assert pprl("agreement", "approve", *signer, ag, ok=False).stderr == (
        "error: permission denied\n"  # a valid identity, but not a party to approve
    )
    pprl("agreement", "revoke", *pprl.signer("OFFICE"), ag)


def test_rotation_relays_the_new_key_and_keeps_the_old(pprl):
    dept = pprl.root / "mca"
    dept.mkdir()
    ids = []
    for n in (1, 2):
        made = pprl.runner.invoke(main, ["keys", "new", "--out", str(dept / f"k{n}.key")])
        assert made.exit_code == 0, made.output
        ids.append(made.stdout.strip())
        pprl(
            "keys", "share", "--secret", str(dept / f"k{n}.key"),
            "--to", str(pprl.keys / "MPS.crt"), "--relay",
        )  # fmt: skip
    assert ids[0] != ids[1]
    newest = pprl("keys", "receive", *pprl.signer("MPS"), "--out", str(pprl.root / "a.key"))
    assert newest.stdout.strip() == ids[1]
    older = pprl(
        "keys", "receive", *pprl.signer("MPS"), "--key-id", ids[0],
        "--out", str(pprl.root / "b.key"),
    )  # fmt: skip
    assert older.stdout.strip() == ids[0]


def test_ca_and_office_key_can_live_off_the_matcher(tmp_path):
    p = Pprl(tmp_path)
    office = tmp_path / "office"
    ca = ["--ca-dir", str(office / "ca")]
    p("pki", "init", "--name", "Office", *ca, "--out", str(office))
    p("pki", "issue", "--department", "MCA", "--name", "民政厅", *ca, "--out", str(p.keys))
    p("pki", "revoke", "--department", "MCA", *ca)
    p("pki", "crl", *ca)
    assert (office / "ca" / "ca.key").exists() and (office / "OFFICE.key").exists()
    assert sorted(k.name for k in p.data.rglob("*.key")) == []
    assert not (p.data / "ca").exists()


def test_the_ca_directory_is_required_and_kept_out_of_the_data_dir(tmp_path):
    """Whoever holds the CA key can re-issue the office's certificate and forge approvals:
    it never defaults to, nor may be put in, the matcher's data directory."""
    p = Pprl(tmp_path)
    p.runner = CliRunner(env={**ENV, "PPRL_CA_DIR": None})
    out = ["--out", str(p.keys)]
    missing = p("pki", "init", "--name", "Office", *out, ok=False).stderr
    assert "give --ca-dir (or PPRL_CA_DIR)" in missing
    for inside in (p.data, p.data / "ca"):
        refused = p("pki", "init", "--name", "Office", "--ca-dir", str(inside), *out, ok=False)
        assert "is inside the matcher's data directory" in refused.stderr
    assert not p.data.exists() and not p.keys.exists()  # refused before anything was created
    ca = ["--ca-dir", str(p.ca)]
    p("pki", "init", "--name", "Office", *ca, *out)
    issue = ["pki", "issue", "--department", "MCA", "--name", "民政厅", *out]
    assert "give --ca-dir" in p(*issue, ok=False).stderr
    for command in (["pki", "revoke", "--department", "OFFICE"], ["pki", "crl"]):
        assert "give --ca-dir" in p(*command, ok=False).stderr
        assert "inside the matcher's" in p(*command, "--ca-dir", str(p.data), ok=False).stderr
    p(*issue, *ca)
    assert not list(p.data.rglob("*.key"))


def test_no_party_key_is_written_into_the_matcher_data_dir(tmp_path):
    """The matcher holds wrapped linkage secrets: a department's key beside them would open
    them. Only the matcher's own key may be written there."""
    p = Pprl(tmp_path)
    missing = p("pki", "init", "--name", "Office", ok=False).stderr
    assert "give --out" in missing and "OFFICE" in missing
    inside = p("pki", "init", "--name", "Office", "--out", str(p.data / "certs"), ok=False)
    assert "inside the matcher's data directory" in inside.stderr
    assert not p.data.exists()  # refused before anything was created
    p("pki", "init", "--name", "Office", "--out", str(p.keys))
    for out in ([], ["--out", str(p.data)], ["--out", str(p.data / "certs" / "MCA")]):
        p("pki", "issue", "--department", "MCA", "--name", "民政厅", *out, ok=False)
    p("pki", "issue", "--department", "MATCHER", "--name", "Central matcher", "--role", "matcher")
    p("pki", "issue", "--department", "MCA", "--name", "民政厅", "--out", str(p.keys))
    assert [k.name for k in p.data.rglob("*.key")] == ["MATCHER.key"]
    assert sorted(k.name for k in p.keys.glob("*.key")) == ["MCA.key", "OFFICE.key"]


def test_issue_is_all_or_nothing_when_registration_fails(pprl):
    """A certificate the store will not register (here: signed by a CA it does not trust) is
    withdrawn: no certificate, no key and no index entry are left behind."""
    from governance import pki

    other = pprl.root / "other-ca"
    pki.init_ca(other, "Another office", ENV["PPRL_CA_PASSPHRASE"].encode())
    ca = ["--ca-dir", str(other)]
    made = pprl.root / "mof"
    failed = pprl(
        "pki", "issue", "--department", "MOF", "--name", "财政厅", "--out", str(made), *ca, ok=False
    )  # fmt: skip
    assert "not issued by the trusted CA" in failed.stderr
    assert list(made.glob("*")) == [] and pki.issued(other) == []
    endpoint = pprl.root / "mof-endpoint"
    request = pki.create_request("MOF", "财政厅", endpoint)
    pprl("pki", "issue", "--department", "MOF", "--csr", str(request.request_path),
         "--out", str(endpoint), *ca, ok=False)  # fmt: skip
    assert sorted(p.name for p in endpoint.glob("*")) == ["MOF.csr", "MOF.key"]
    assert pki.issued(other) == []
    # the same commands against the trusted CA succeed and register
    pprl("pki", "issue", "--department", "MOF", "--name", "财政厅", "--out", str(made))
    assert sorted(p.name for p in made.glob("*")) == ["MOF.crt", "MOF.key"]

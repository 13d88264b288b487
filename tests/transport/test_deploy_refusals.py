"""Every refusal the local governance commands gave is given over the network too.

The office, MCA, MPS and MOHRSS each in their own directory against a real matcher process;
each refusal is one line on stderr and a non-zero exit, and "permission denied" says nothing
more. The office's offline CA commands refuse what they refused before.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from deploy_world import Deployment

from pprl_app.cli import main

pytestmark = pytest.mark.e2e

DENIED = "error: permission denied\n"
ENTRY = [
    "--category", "人口信息", "--name", "死亡人口信息", "--provider", "MPS",
    "--format", "parquet", "--field", "name", "--field", "id_number", "--field", "death_date",
    "--update-cycle", "monthly", "--sharing-type", "conditional",
    "--conditions", "signed agreement", "--scope", "province", "--method", "interface",
    "--source-system", "hukou", "--security-level", "important",
]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("refusals"), ("MCA", "MPS", "MOHRSS"))
    deployment.set_up()
    deployment.pprl("MPS", "catalog", "add", "--id", "MPS-DEATHS", *ENTRY)
    yield deployment
    deployment.stop()


def _apply(world, valid_from="2026-01-01", valid_until="2099-12-31", party="MCA") -> str:
    return world.pprl(
        party, "agreement", "apply", "--provider", "MPS", "--entry", "MPS-DEATHS",
        "--purpose", "dibao eligibility review", "--scenario", "low-income vs deaths",
        "--scope", "330000", "--disclose", "death_date",
        "--valid-from", valid_from, "--valid-until", valid_until,
    ).stdout.strip()  # fmt: skip


def _show(world, party, ag) -> dict:
    return json.loads(world.pprl(party, "agreement", "show", ag).stdout)


def test_catalogue(world):
    assert "MPS-DEATHS\tv1\tMPS\tconditional" in world.pprl("MCA", "catalog", "list").stdout
    shown = json.loads(world.pprl("MCA", "catalog", "show", "MPS-DEATHS").stdout)
    assert len([k for k in shown if k not in ("entry_id", "version", "created_at")]) == 12
    missing = world.pprl("MCA", "catalog", "show", "NOPE", ok=False).stderr
    assert "no catalogue entry NOPE" in missing
    # only the office or the provider publishes
    refused = world.pprl("MCA", "catalog", "add", "--id", "MPS-DEATHS", *ENTRY, ok=False)
    assert refused.stderr == DENIED


def test_conditional_agreement_from_application_to_revocation(world):
    ag = _apply(world)
    assert _show(world, "MCA", ag)["status"] == "pending"
    assert world.pprl("MCA", "agreement", "approve", ag, ok=False).stderr == DENIED
    assert world.pprl("MOHRSS", "agreement", "show", ag, ok=False).stderr == DENIED
    assert world.pprl("OFFICE", "agreement", "approve", ag).stdout.strip() == f"{ag}: pending"
    again = world.pprl("OFFICE", "agreement", "approve", ag, ok=False).stderr
    assert "already approved" in again
    assert world.pprl("MPS", "agreement", "approve", ag).stdout.strip() == f"{ag}: in-force"
    assert f"{ag}\tin-force\tMCA\tMPS" in world.pprl("MCA", "agreement", "list").stdout
    assert ag not in world.pprl("MOHRSS", "agreement", "list").stdout
    assert world.pprl("MOHRSS", "agreement", "revoke", ag, ok=False).stderr == DENIED
    world.pprl("MCA", "agreement", "revoke", ag)
    assert _show(world, "MPS", ag)["status"] == "revoked"
    assert "is already revoked" in world.pprl("MPS", "agreement", "revoke", ag, ok=False).stderr
    lines = world.pprl("MCA", "audit", "show", "--agreement", ag).stdout.splitlines()
    governance_steps = [x.split("\t")[3] for x in lines if "\trpc:" not in x]
    assert governance_steps == ["agreement.apply", "agreement.revoke"]
    assert {x.split("\t")[2] for x in lines} == {"MCA"}  # its own entries only


def test_pending_and_expired_agreements_authorise_nothing(world, tmp_path):
    from transport_world import encoded_pair

    a, _, _ = encoded_pair(tmp_path, "MCA", "MPS", 50, 20, 5, seed=3)
    pending = _apply(world)
    upload = ["upload", str(a), "--agreement", pending, "--name", "x", "--quiet"]
    assert world.pprl("MCA", *upload, ok=False).stderr == DENIED
    expired = _apply(world, "2020-01-01", "2021-01-01")
    world.pprl("OFFICE", "agreement", "approve", expired)
    world.pprl("MPS", "agreement", "approve", expired)
    assert _show(world, "MCA", expired)["status"] == "expired"
    upload[3] = expired
    assert world.pprl("MCA", *upload, ok=False).stderr == DENIED


def test_bad_input_is_one_line(world):
    bad_time = world.pprl(
        "MCA", "agreement", "apply", "--provider", "MPS", "--entry", "MPS-DEATHS",
        "--purpose", "p", "--scenario", "s", "--scope", "330000",
        "--valid-from", "yesterday", "--valid-until", "2030-01-01", ok=False,
    ).stderr  # fmt: skip
    assert "valid_from" in bad_time
    wrong = world.pprl(
        "MCA", "agreement", "list", ok=False, env={"PPRL_KEY_PASSPHRASE": "wrong"}
    ).stderr
    assert wrong.startswith("error: cannot open private key")
    nothing = world.pprl("MCA", "agreement", "list", ok=False, env={"PPRL_PROFILE": None})
    assert "give --cert (or PPRL_CERT) or --profile" in nothing.stderr
    unknown = world.pprl("MCA", "agreement", "list", ok=False, env={"PPRL_PROFILE": "nobody"})
    assert "no profile 'nobody'" in unknown.stderr


def test_office_only_and_audit(world):
    for command in (
        ["audit", "anchor"],
        ["pki", "register", str(world.cert("MCA"))],
        ["pki", "publish-crl", str(world.home("MCA") / "ca.crl")],
    ):
        assert world.pprl("MCA", *command, ok=False).stderr == DENIED
    _apply(world)
    lines = world.pprl("MCA", "audit", "show", "--json", "--action", "agreement.apply").stdout
    assert {json.loads(x)["actor"] for x in lines.splitlines()} == {"MCA"}
    assert world.pprl("MCA", "audit", "show", "--since", "2999-01-01").stdout == ""
    anchor = world.office / "anchor.json"
    world.pprl("OFFICE", "audit", "anchor", "--out", str(anchor))
    verified = world.pprl(
        "MATCHER", "audit", "verify", "--data-dir", str(world.data),
        "--anchor", str(world.send(anchor, "MATCHER")), "--ca", str(world.matcher / "ca.crt"),
    )  # fmt: skip
    assert "audit log verifies" in verified.stdout


def test_keys_share_receive_rotation_and_revocation(world):
    mca = world.home("MCA")
    ids = []
    for n in (1, 2):
        ids.append(
            world.pprl("MCA", "keys", "new", "--out", str(mca / f"k{n}.secret")).stdout.strip()
        )
        recipients = [world.send(world.cert(c), "MCA", f"to/{c}.crt") for c in ("MPS", "MOHRSS")]
        shared = world.pprl(
            "MCA", "keys", "share", "--secret", str(mca / f"k{n}.secret"),
            "--to", str(recipients[0]), "--to", str(recipients[1]),
            "--out", str(mca / "wrapped"), "--relay",
        ).stdout  # fmt: skip
        assert shared.count(ids[-1]) == 2
    # the wrong department's key cannot open MOHRSS's envelope
    stolen = world.send(mca / "wrapped" / f"MOHRSS.{ids[1]}.wrapped", "MPS")
    refused = world.pprl(
        "MPS", "keys", "receive", "--wrapped", str(stolen),
        "--out", str(world.home("MPS") / "stolen.secret"), ok=False,
    )  # fmt: skip
    assert refused.stderr == "error: cannot unwrap the linkage secret\n"
    home = world.home("MPS")
    newest = world.pprl("MPS", "keys", "receive", "--out", str(home / "a.secret")).stdout
    assert newest.strip() == ids[1]
    older = world.pprl(
        "MPS", "keys", "receive", "--key-id", ids[0], "--out", str(home / "b.secret")
    ).stdout
    assert older.strip() == ids[0]
    none_for_office = world.pprl(
        "OFFICE", "keys", "receive", "--out", str(world.office / "x.secret"), ok=False
    ).stderr
    assert "no wrapped secret waiting for OFFICE" in none_for_office
    collected = world.pprl("MPS", "audit", "show", "--action", "secret.collect").stdout
    assert len(collected.splitlines()) == 2

    # the office revokes MOHRSS and publishes the CRL: refused everywhere
    world.pprl("OFFICE", "pki", "revoke", "--department", "MOHRSS")
    world.publish_crl()
    world.send(world.office / "ca.crl", "MCA")
    to = world.send(world.cert("MOHRSS"), "MCA", "to/MOHRSS.crt")
    refused = world.pprl(
        "MCA", "keys", "share", "--secret", str(mca / "k1.secret"), "--to", str(to),
        "--out", str(mca / "wrapped2"), ok=False,
    ).stderr  # fmt: skip
    assert "revoked" in refused
    gone = world.pprl(
        "MOHRSS", "keys", "receive", "--out", str(world.home("MOHRSS") / "s"), ok=False
    )
    assert "unauthenticated" in gone.stderr or "unavailable" in gone.stderr
    approve = world.pprl("MOHRSS", "agreement", "list", ok=False).stderr
    assert "unauthenticated" in approve or "unavailable" in approve
    older = world.home("MCA") / "old.crl"
    older.write_bytes(b"-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n")
    world.send(older, "OFFICE", "old.crl")
    bad = world.pprl("OFFICE", "pki", "publish-crl", str(world.office / "old.crl"), ok=False)
    assert "revocation list" in bad.stderr


def test_a_valid_identity_that_is_no_party_approves_nothing(world):
    ag = _apply(world)
    assert world.pprl("MOHRSS", "agreement", "approve", ag, ok=False).stderr.startswith("error: ")
    world.pprl("OFFICE", "agreement", "revoke", ag)


def test_offline_ca_commands(tmp_path):
    """The CA directory is required, and the office's pki commands open nothing else."""
    env = {"PPRL_CA_PASSPHRASE": "ca", "PPRL_KEY_PASSPHRASE": "k", "PPRL_CA_DIR": None}
    runner = CliRunner(env=env)

    def pprl(*args, ok=True):
        result = runner.invoke(main, list(args))
        assert (result.exit_code == 0) == ok, result.output
        return result

    out = ["--out", str(tmp_path / "office")]
    assert (
        "give --ca-dir (or PPRL_CA_DIR)"
        in pprl("pki", "init", "--name", "O", *out, ok=False).stderr
    )
    ca = ["--ca-dir", str(tmp_path / "ca")]
    pprl("pki", "init", "--name", "O", *ca, *out)
    assert "already holds a CA" in pprl("pki", "init", "--name", "O", *ca, *out, ok=False).stderr
    bad = pprl("pki", "issue", "--department", "bad code", "--name", "x", *ca, *out, ok=False)
    assert "invalid department code" in bad.stderr
    for command in (["pki", "revoke", "--department", "OFFICE"], ["pki", "crl"]):
        assert "give --ca-dir" in pprl(*command, ok=False).stderr
    request = tmp_path / "mof"
    pprl("pki", "request", "--department", "MOF", "--name", "财政厅", "--out", str(request))
    issued = pprl(
        "pki", "issue", "--department", "MOF", "--csr", str(request / "MOF.csr"),
        "--out", str(tmp_path / "issued"), *ca,
    ).stdout  # fmt: skip
    assert "private key" not in issued and not (tmp_path / "issued" / "MOF.key").exists()
    other = pprl(
        "pki", "issue", "--department", "MCA2", "--csr", str(request / "MOF.csr"),
        "--out", str(tmp_path / "issued"), *ca, ok=False,
    )  # fmt: skip
    assert "MOF" in other.stderr
    pprl("pki", "revoke", "--department", "MOF", *ca)
    pprl("pki", "crl", *ca)
    matcher = tmp_path / "matcher-data"
    init = ["matcher", "init", "--data-dir", str(matcher), "--ca", str(tmp_path / "ca" / "ca.crt")]
    not_office = pprl(*init, "--office", str(tmp_path / "issued" / "MOF.crt"), ok=False)
    assert "not the office's certificate" in not_office.stderr
    assert not (matcher / "governance.sqlite").exists()
    pprl(*init, "--office", str(tmp_path / "office" / "OFFICE.crt"))
    again = pprl(*init, "--office", str(tmp_path / "office" / "OFFICE.crt"), ok=False)
    assert "already initialised" in again.stderr
    assert not list(matcher.rglob("*.key"))

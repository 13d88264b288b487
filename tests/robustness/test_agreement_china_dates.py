"""Item 7: agreement validity dates are China dates (the last one inclusive), like deadlines."""

from __future__ import annotations

import datetime as dt
import json

from robustness_cli import pprl

from governance import pki
from governance.model import AgreementStatus, UseApplication
from governance.store import DB_FILE, GovernanceStore
from transport.provision import OFFICE

UTC = dt.timezone.utc


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _approve(world, store: GovernanceStore, agreement_id: str) -> None:
    for code in store.agreement(agreement_id).required_approvers:
        party = world.parties.get(code)
        if party is None:  # the office
            cert = world.matcher_dir.parent / "office" / OFFICE
            signer = pki.Signer.load(cert / f"{OFFICE}.crt", cert / f"{OFFICE}.key", None)
        else:
            signer = pki.Signer.load(party.cert, party.key, None)
        store.approve(signer, agreement_id)


def _show(world, agreement_id: str) -> dict:
    shown = pprl("agreement", "show", "--data-dir", world.matcher_dir, agreement_id)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_agreement_validity_is_in_china_dates(world):
    mca = world.parties["MCA"]
    applied = pprl(
        "agreement", "apply", "--data-dir", world.matcher_dir, "--cert", mca.cert,
        "--key", mca.key, "--provider", "MPS", "--entry", "mps-registry", "--purpose", "p",
        "--scenario", "s", "--scope", "330000", "--disclose", "death_date",
        "--valid-from", "2027-03-01", "--valid-until", "2027-03-31",
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    agreement_id = applied.stdout.strip()
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        _approve(world, store, agreement_id)
        agreement = store.agreement(agreement_id)
        app = agreement.application
        # Stored as instants: from 00:00 on 1 March to 24:00 on 31 March, China time.
        assert app.valid_from == _at("2027-02-28T16:00:00+00:00")
        assert app.valid_until == _at("2027-03-31T16:00:00+00:00")
        for when, status in (
            ("2027-02-28T15:59:59+00:00", AgreementStatus.NOT_YET_VALID),  # 23:59:59 in China
            ("2027-02-28T16:00:00+00:00", AgreementStatus.IN_FORCE),  # 00:00 on 1 March
            ("2027-03-31T15:59:59+00:00", AgreementStatus.IN_FORCE),  # 23:59:59 on 31 March
            ("2027-03-31T16:00:00+00:00", AgreementStatus.EXPIRED),
        ):
            assert agreement.status(_at(when)) is status, when
        # An agreement stored before (dates taken as UTC midnight) reads as it always did.
        old = store.apply(
            pki.Signer.load(mca.cert, mca.key, None),
            UseApplication(
                consumer="MCA",
                provider="MPS",
                entries=(("mps-registry", 1),),
                purpose="p",
                scenario="s",
                spatial_scope="330000",
                disclose_fields=("death_date",),
                valid_from=dt.datetime(2027, 3, 1, tzinfo=UTC),
                valid_until=dt.datetime(2027, 3, 31, tzinfo=UTC),
            ),  # fmt: skip
        ).agreement_id
        _approve(world, store, old)
        assert store.agreement(old).application_signed
    shown = _show(world, agreement_id)
    assert (shown["valid_from"], shown["valid_until"]) == ("2027-03-01", "2027-03-31")
    shown_old = _show(world, old)
    assert (shown_old["valid_from"], shown_old["valid_until"]) == (
        "2027-03-01T08:00:00+08:00",
        "2027-03-31T08:00:00+08:00",
    )
    # A date that is not one: one line, exit 2.
    bad = pprl(
        "agreement", "apply", "--data-dir", world.matcher_dir, "--cert", mca.cert,
        "--key", mca.key, "--provider", "MPS", "--entry", "mps-registry", "--purpose", "p",
        "--scenario", "s", "--scope", "330000", "--valid-from", "2027-02-30",
        "--valid-until", "2027-03-31",
    )  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "valid_from" in bad.stderr

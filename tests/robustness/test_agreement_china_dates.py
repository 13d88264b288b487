"""Item 7: agreement validity dates are China dates (the last one inclusive), like deadlines.

Over the network: MCA applies with `pprl agreement apply`, the office and MPS approve, and
`pprl agreement show` reads the dates back. What the dates mean as instants (the agreement's
status at a given moment) is store behaviour with no command of its own: checked on the
matcher's store.
"""

from __future__ import annotations

import datetime as dt
import json

from robustness_deploy import apply, approve

from governance.model import AgreementStatus
from governance.store import DB_FILE, GovernanceStore


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _show(deployment, agreement_id: str) -> dict:
    return json.loads(deployment.pprl("MCA", "agreement", "show", agreement_id).stdout)


def test_agreement_validity_is_in_china_dates(deployment):
    agreement_id = apply(deployment, "2027-03-01", "2027-03-31").stdout.strip()
    approve(deployment, agreement_id)
    # An agreement stored before (dates taken as UTC midnight): the same instants, filed as
    # date-times with their zone, still verify (each approver checks the signed application).
    old = apply(deployment, "2027-03-01T00:00:00+00:00", "2027-03-31T00:00:00+00:00")
    old = old.stdout.strip()
    approve(deployment, old)

    shown = _show(deployment, agreement_id)
    assert (shown["valid_from"], shown["valid_until"]) == ("2027-03-01", "2027-03-31")
    assert shown["application_signed"] and shown["status"] == "not-yet-valid"
    shown_old = _show(deployment, old)
    assert (shown_old["valid_from"], shown_old["valid_until"]) == (
        "2027-03-01T08:00:00+08:00",
        "2027-03-31T08:00:00+08:00",
    )
    assert shown_old["application_signed"]

    with GovernanceStore(deployment.data / DB_FILE) as store:
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
        stored_old = store.agreement(old)
        assert stored_old.application.valid_from == _at("2027-03-01T00:00:00+00:00")
        assert stored_old.application.valid_until == _at("2027-03-31T00:00:00+00:00")
        assert stored_old.application_signed
        # In force until 08:00 on 31 March, China time, as it always was.
        assert stored_old.status(_at("2027-03-30T23:59:59+00:00")) is AgreementStatus.IN_FORCE
        assert stored_old.status(_at("2027-03-31T00:00:00+00:00")) is AgreementStatus.EXPIRED

    # A date that is not one: one line, exit 2.
    bad = apply(deployment, "2027-02-30", "2027-03-31", ok=False)
    assert bad.exit_code == 2 and "valid_from" in bad.stderr

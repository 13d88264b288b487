"""A party checks the relayed agreement itself: signatures, approvals, validity, revocation."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from transport_world import plan

from governance import pki
from governance.agreement_proof import verify_agreement
from governance.store import DB_FILE, GovernanceStore
from pprl.errors import IntegrityError
from transport.provision import provision


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    world = provision(
        tmp_path_factory.mktemp("proof"),
        {"MCA": "Civil affairs", "MPS": "Security"},
        [plan("MCA", "MPS")],
    )
    agreement_id = world.agreements["mps-registry"]
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        evidence = store.agreement_evidence(agreement_id)
    return world, agreement_id, evidence, pki.load_certificate(world.ca_dir / pki.CA_CERT)


def test_the_recorded_agreement_verifies(small):
    _, agreement_id, evidence, ca = small
    agreement = verify_agreement(evidence, agreement_id, ca)
    assert (agreement.consumer, agreement.provider) == ("MCA", "MPS")
    assert set(agreement.approved_by) == {"OFFICE", "MPS"}


def test_altered_or_incomplete_evidence_does_not_verify(small):
    _, agreement_id, evidence, ca = small
    widened = evidence.application_json.replace('"death_date"', '"name","death_date"')
    office_only = tuple(a for a in evidence.approvals if a.party == "OFFICE")
    for bad in (
        dataclasses.replace(evidence, application_json=widened),
        dataclasses.replace(evidence, approvals=office_only),  # conditional: provider missing
        dataclasses.replace(evidence, approvals=()),
        dataclasses.replace(evidence, applicant_signature=evidence.approvals[0].signature),
    ):
        with pytest.raises(IntegrityError):
            verify_agreement(bad, agreement_id, ca)
    with pytest.raises(IntegrityError):  # the same evidence under another id
        verify_agreement(dataclasses.replace(evidence, agreement_id="AG-0"), "AG-0", ca)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=400)
    with pytest.raises(IntegrityError):  # past its validity
        verify_agreement(evidence, agreement_id, ca, now=later)


def test_a_revoked_consumer_is_refused_with_the_crl(small):
    world, agreement_id, evidence, ca = small
    crl = pki.load_crl(pki.revoke(world.ca_dir, "MCA", ca_passphrase=world.ca_passphrase))
    with pytest.raises(IntegrityError):
        verify_agreement(evidence, agreement_id, ca, crl)

"""Approval paths by sharing type and every refusal: pending, expired, revoked, wrong party."""

from __future__ import annotations

import datetime as dt

import pytest

from governance import pki
from governance.model import Action, AgreementStatus, SharingType
from pprl.errors import AuthorisationError, GovernanceError, InputError


def _authorised(world, code, action, agreement_id) -> bool:
    try:
        world.store.authorise(code, action, agreement_id)
        return True
    except AuthorisationError as exc:
        assert str(exc) == "permission denied"  # the same words whatever the reason
        return False


def _filed(world, sharing_type, **overrides):
    entry = world.entry("MPS-DEATHS", "MPS", sharing_type)
    return world.store.apply(world.signers["MCA"], world.application(entry, **overrides))


def test_unconditional_needs_the_office_only(world):
    ag = _filed(world, SharingType.UNCONDITIONAL)
    assert ag.required_approvers == ("OFFICE",)
    assert not _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    ag = world.store.approve(world.signers["OFFICE"], ag.agreement_id)
    assert ag.status(world.clock()) is AgreementStatus.IN_FORCE
    assert world.store.authorise("MCA", Action.RUN, ag.agreement_id).agreement_id == ag.agreement_id
    # the provider's approval is neither needed nor accepted
    with pytest.raises(AuthorisationError):
        world.store.approve(world.signers["MPS"], ag.agreement_id)


def test_conditional_needs_office_and_provider(world):
    ag = _filed(world, SharingType.CONDITIONAL)
    assert set(ag.required_approvers) == {"OFFICE", "MPS"}
    world.store.approve(world.signers["OFFICE"], ag.agreement_id)
    # missing provider approval: nothing is authorised
    for code, action in (("MCA", Action.RUN), ("MCA", Action.UPLOAD), ("MPS", Action.UPLOAD)):
        assert not _authorised(world, code, action, ag.agreement_id)
    assert world.store.agreement(ag.agreement_id).status(world.clock()) is AgreementStatus.PENDING
    world.store.approve(world.signers["MPS"], ag.agreement_id)
    assert _authorised(world, "MCA", Action.RUN, ag.agreement_id)


def test_conditional_provider_alone_is_not_enough(world):
    ag = _filed(world, SharingType.CONDITIONAL)
    world.store.approve(world.signers["MPS"], ag.agreement_id)
    assert not _authorised(world, "MCA", Action.RUN, ag.agreement_id)


def test_consumer_cannot_approve_its_own_application(world):
    ag = _filed(world, SharingType.CONDITIONAL)
    with pytest.raises(AuthorisationError):
        world.store.approve(world.signers["MCA"], ag.agreement_id)
    with pytest.raises(AuthorisationError):
        world.store.approve(world.signers["MOHRSS"], ag.agreement_id)
    assert world.store.agreement(ag.agreement_id).approvals == ()


def test_dedicated_named_parties_only(world):
    ag = _filed(world, SharingType.DEDICATED, named_parties=("MCA", "MPS"))
    assert ag.required_approvers == ("MCA", "MPS")
    with pytest.raises(AuthorisationError):
        world.store.approve(world.signers["OFFICE"], ag.agreement_id)
    world.store.approve(world.signers["MCA"], ag.agreement_id)
    assert not _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    world.store.approve(world.signers["MPS"], ag.agreement_id)
    assert _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    assert not _authorised(world, "MOHRSS", Action.FETCH_RESULTS, ag.agreement_id)


def test_dedicated_must_name_both_sides(world):
    entry = world.entry("MPS-DEATHS", "MPS", SharingType.DEDICATED)
    with pytest.raises(InputError, match="named_parties"):
        world.store.apply(world.signers["MCA"], world.application(entry, named_parties=("MCA",)))
    entry2 = world.entry("MPS-CARS", "MPS", SharingType.CONDITIONAL)
    with pytest.raises(InputError, match="dedicated sharing only"):
        world.store.apply(
            world.signers["MCA"], world.application(entry2, named_parties=("MCA", "MPS"))
        )


def _in_force(world, sharing_type=SharingType.CONDITIONAL, **overrides):
    ag = _filed(world, sharing_type, **overrides)
    for approver in ag.required_approvers:
        world.store.approve(world.signers[approver], ag.agreement_id)
    return ag


def test_each_action_belongs_to_one_side(world):
    ag = _in_force(world)
    allowed = {
        ("MCA", Action.UPLOAD),
        ("MPS", Action.UPLOAD),
        ("MCA", Action.RUN),
        ("MCA", Action.FETCH_RESULTS),
        ("MPS", Action.FETCH_RESULTS),
        ("MPS", Action.DISCLOSE),
        ("MCA", Action.RECEIVE_DISCLOSURE),
    }
    for code in ("MCA", "MPS", "MOHRSS", "OFFICE"):
        for action in Action:
            assert _authorised(world, code, action, ag.agreement_id) == ((code, action) in allowed)
    assert _authorised(world, "MCA", "run", ag.agreement_id)  # strings are accepted too
    assert not _authorised(world, "MCA", "no-such-action", ag.agreement_id)
    assert not _authorised(world, "MCA", Action.RUN, "AG-UNKNOWN")


def test_expired_and_not_yet_valid(world):
    start = world.clock() + dt.timedelta(days=1)
    ag = _in_force(world, valid_from=start, valid_until=start + dt.timedelta(days=30))
    assert not _authorised(world, "MCA", Action.RUN, ag.agreement_id)  # not yet valid
    world.clock.advance(days=1)
    assert _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    world.clock.advance(days=30, seconds=-1)
    assert _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    world.clock.advance(seconds=1)
    assert not _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    status = world.store.agreement(ag.agreement_id).status(world.clock())
    assert status is AgreementStatus.EXPIRED


def test_revoked_agreement_authorises_nothing(world):
    ag = _in_force(world)
    assert _authorised(world, "MCA", Action.RUN, ag.agreement_id)
    with pytest.raises(AuthorisationError):
        world.store.revoke_agreement(world.signers["MOHRSS"], ag.agreement_id)
    world.store.revoke_agreement(world.signers["MPS"], ag.agreement_id)
    for action in Action:
        assert not _authorised(world, "MCA", action, ag.agreement_id)
        assert not _authorised(world, "MPS", action, ag.agreement_id)
    with pytest.raises(GovernanceError, match="revoked"):
        world.store.approve(world.signers["OFFICE"], ag.agreement_id)


def test_revoked_certificate_cannot_approve(world):
    ag = _filed(world, SharingType.CONDITIONAL)
    crl = pki.revoke(world.ca_dir, "MPS", ca_passphrase=world.ca_pass, now=world.clock())
    world.store.update_crl(crl.read_bytes())
    with pytest.raises(AuthorisationError):
        world.store.approve(world.signers["MPS"], ag.agreement_id)


def test_only_the_consumer_applies(world):
    entry = world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    with pytest.raises(AuthorisationError):
        world.store.apply(world.signers["MOHRSS"], world.application(entry, consumer="MCA"))
    assert world.store.agreements() == []


def test_applications_are_checked_against_the_catalogue(world):
    entry = world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    mca = world.signers["MCA"]
    with pytest.raises(InputError, match="salary"):
        world.store.apply(mca, world.application(entry, disclose_fields=("salary",)))
    with pytest.raises(InputError, match="provided by MPS"):
        world.store.apply(mca, world.application(entry, provider="MOHRSS"))
    with pytest.raises(InputError, match="valid_until"):
        world.store.apply(mca, world.application(entry, days=-1))
    with pytest.raises(GovernanceError, match="no catalogue entry"):
        world.store.apply(mca, world.application(entry, entries=(("MPS-DEATHS", 9),)))
    assert world.store.agreements() == []


def test_strictest_entry_decides_the_sharing_type(world):
    a = world.entry("MPS-DEATHS", "MPS", SharingType.UNCONDITIONAL)
    b = world.entry("MPS-CARS", "MPS", SharingType.CONDITIONAL, fields=("plate", "id_number"))
    ag = world.store.apply(
        world.signers["MCA"],
        world.application(
            a, entries=((a.entry_id, 1), (b.entry_id, 1)), disclose_fields=("plate",)
        ),
    )
    assert ag.sharing_type is SharingType.CONDITIONAL


def test_catalogue_is_versioned(world):
    v1 = world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    v2 = world.entry("MPS-DEATHS", "MPS", SharingType.UNCONDITIONAL, fields=("name", "death_date"))
    assert (v1.version, v2.version) == (1, 2)
    assert world.store.catalogue_entry("MPS-DEATHS").version == 2
    assert world.store.catalogue_entry("MPS-DEATHS", 1).sharing_type is SharingType.CONDITIONAL
    assert [e.version for e in world.store.catalogue(all_versions=True)] == [1, 2]
    # only the provider or the office may describe a provider's data
    with pytest.raises(AuthorisationError):
        world.store.add_catalogue_entry(
            world.signers["MCA"], **{**_items(v1), "entry_id": "MPS-DEATHS"}
        )
    assert world.store.catalogue_entry("MPS-DEATHS").version == 2


def _items(entry) -> dict:
    return {
        "entry_id": entry.entry_id,
        "category": entry.category,
        "name": entry.name,
        "provider": entry.provider,
        "data_format": entry.data_format,
        "fields": entry.fields,
        "update_cycle": entry.update_cycle,
        "sharing_type": entry.sharing_type,
        "sharing_conditions": entry.sharing_conditions,
        "sharing_scope": entry.sharing_scope,
        "sharing_method": entry.sharing_method,
        "source_system": entry.source_system,
        "security_level": entry.security_level,
    }


def test_a_failed_write_leaves_nothing_behind(world, monkeypatch):
    entry = world.entry("MPS-DEATHS", "MPS", SharingType.CONDITIONAL)
    before = len(world.store.audit_entries())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(world.store, "_append_audit", broken)
    with pytest.raises(OSError):
        world.store.apply(world.signers["MCA"], world.application(entry))
    monkeypatch.undo()
    assert world.store.agreements() == []
    assert len(world.store.audit_entries()) == before
    assert world.store.verify_audit().ok


def test_refusals_and_approvals_are_audited(world):
    ag = _filed(world, SharingType.CONDITIONAL)
    _authorised(world, "MOHRSS", Action.RUN, ag.agreement_id)
    refused = world.store.audit_entries(action="authorise.refused")
    assert [(e.actor, e.agreement_id) for e in refused] == [("MOHRSS", ag.agreement_id)]
    world.store.approve(world.signers["OFFICE"], ag.agreement_id)
    approved = world.store.audit_entries(agreement_id=ag.agreement_id, action="agreement.approve")
    assert [e.actor for e in approved] == ["OFFICE"]
    assert approved[0].purpose == "dibao eligibility review"
    assert approved[0].actor_fingerprint == pki.fingerprint(world.signers["OFFICE"].certificate)

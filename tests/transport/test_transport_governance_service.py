"""The Governance service against the real matcher process: each call as the store rules it."""

from __future__ import annotations

import datetime as dt

import pytest
from transport_world import agreement_of, client, encoded_pair

from governance import keywrap, pki
from governance.model import UseApplication
from pprl.errors import AuthorisationError, InputError, IntegrityError, TransportError
from transport.client import MatcherClient
from transport.generated import runs_pb2

pytestmark = pytest.mark.e2e

ENTRY = dict(
    category="人口信息",
    name="死亡人口信息",
    data_format="parquet",
    fields=["name", "id_number", "death_date"],
    update_cycle="monthly",
    sharing_type="conditional",
    sharing_conditions="signed agreement",
    sharing_scope="province",
    sharing_method="interface",
    source_system="hukou",
    security_level="important",
)


def office(world, server) -> MatcherClient:
    party = world.office
    return MatcherClient.connect(
        server.target, cert=party.cert, key=party.key, ca=party.ca, crl=world.ca_dir / pki.CA_CRL
    )


def _application(consumer, provider, entry_id, **overrides) -> UseApplication:
    now = dt.datetime.now(dt.timezone.utc)
    values = dict(
        consumer=consumer,
        provider=provider,
        entries=((entry_id, 1),),
        purpose="dibao eligibility review",
        scenario="low-income vs deaths",
        spatial_scope="330000",
        disclose_fields=("death_date",),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
    )
    values.update(overrides)
    return UseApplication(**values)


def test_catalogue_application_approval_and_revocation(world, server):
    with (
        client(world, server, "HEALTH") as health,
        client(world, server, "TAX") as tax,
        client(world, server, "OUTSIDER") as outsider,
        office(world, server) as the_office,
    ):
        added = tax.add_catalogue_entry(entry_id="TAX-INCOME", provider="TAX", **ENTRY)
        assert (added.entry_id, added.version) == ("TAX-INCOME", 1)
        with pytest.raises(AuthorisationError):  # only the office or the provider publishes
            health.add_catalogue_entry(entry_id="TAX-INCOME", provider="TAX", **ENTRY)
        assert (
            the_office.add_catalogue_entry(entry_id="TAX-INCOME", provider="TAX", **ENTRY).version
            == 2
        )
        assert health.catalogue_entry("TAX-INCOME", 1).version == 1
        assert "TAX-INCOME" in {e.entry_id for e in outsider.catalogue()}
        with pytest.raises(TransportError):
            health.catalogue_entry("NO-SUCH-ENTRY")

        with pytest.raises(AuthorisationError):  # an application in another's name
            tax.apply(_application("HEALTH", "TAX", "TAX-INCOME"))
        filed = health.apply(_application("HEALTH", "TAX", "TAX-INCOME"))
        ag = filed.agreement_id
        assert filed.status == "pending"
        assert set(filed.required_approvers) == {"OFFICE", "TAX"}
        with pytest.raises(AuthorisationError):  # not a party: as if it did not exist
            outsider.show_agreement(ag)
        with pytest.raises(AuthorisationError):
            outsider.show_agreement("AG-000000000000")
        with pytest.raises(AuthorisationError):  # the consumer does not approve its own
            health.approve(ag)
        assert the_office.approve(ag).status == "pending"
        with pytest.raises(TransportError):
            the_office.approve(ag)  # already approved
        assert tax.approve(ag).status == "in-force"
        assert ag in {a.agreement_id for a in health.agreements()}
        assert ag not in {a.agreement_id for a in outsider.agreements()}
        with pytest.raises(AuthorisationError):
            outsider.revoke(ag)
        assert tax.revoke(ag).status == "revoked"
        with pytest.raises(TransportError):
            the_office.approve(ag)  # revoked
        own = health.audit_entries(agreement_id=ag)
        assert [e.action for e in own if not e.action.startswith("rpc:")] == ["agreement.apply"]
        assert {e.actor for e in own} == {"HEALTH"}


def test_a_forged_approval_signature_is_refused(world, server):
    with client(world, server, "EDU") as edu, client(world, server, "TAX") as tax:
        tax.add_catalogue_entry(entry_id="TAX-PAYERS", provider="TAX", **ENTRY)
        ag = edu.apply(_application("EDU", "TAX", "TAX-PAYERS")).agreement_id
        forged = tax._sign  # sign the wrong message: the matcher must not accept it
        tax._sign = lambda message: forged(b"something else")
        with pytest.raises((AuthorisationError, IntegrityError)):
            tax.approve(ag)


def test_wrapped_secrets_are_relayed_to_their_recipient_only(world, server):
    recipient = pki.load_certificate(world.parties["MPS"].cert)
    blob = keywrap.wrap(b"\x07" * 32, "key-id-relay", recipient)
    with (
        client(world, server, "MCA") as mca,
        client(world, server, "MPS") as mps,
        office(world, server) as the_office,
    ):
        with pytest.raises(AuthorisationError):  # the office never handles the secret
            the_office.deposit_secrets([blob])
        receipt = mca.deposit_secrets([blob])
        assert list(receipt.recipients) == ["MPS"]
        assert mps.fetch_secret("key-id-relay") == blob
        with pytest.raises(TransportError):
            mca.fetch_secret("key-id-relay")  # addressed to MPS, not to MCA
        with pytest.raises(InputError):
            mca.deposit_secrets([b"not an envelope"])


def test_warnings_from_a_run_dispute_and_audit(world, server, tmp_path):
    a, b, truth = encoded_pair(tmp_path, "HRSS", "HOUSING", 300, 120, 20, seed=5)
    agreement = agreement_of(world, "HRSS")
    with (
        client(world, server, "HRSS") as hrss,
        client(world, server, "HOUSING") as housing,
        client(world, server, "OUTSIDER") as outsider,
    ):
        ds_a = hrss.upload(a, agreement_id=agreement, dataset_name="mz_low_income").dataset_id
        ds_b = housing.upload(b, agreement_id=agreement, dataset_name="gaj_deaths").dataset_id
        run = hrss.create_run(agreement, ds_a, ds_b, threshold=0.8)
        final = list(hrss.watch(run.run_id, timeout=120))[-1]
        assert final.state == runs_pb2.SUCCEEDED
        with pytest.raises(AuthorisationError):
            outsider.issue_warnings(agreement, run.run_id, "mz_low_income", "gaj_deaths")
        batch = hrss.issue_warnings(agreement, run.run_id, "mz_low_income", "gaj_deaths", seed=3)
        assert batch.issued == len(truth)
        listed = hrss.warnings(agreement_id=agreement)
        assert len(listed) == len(truth)
        assert housing.warnings(agreement_id=agreement)  # the provider sees them too
        assert outsider.warnings(agreement_id=agreement) == []
        first = listed[0].warning_id
        with pytest.raises(AuthorisationError):
            outsider.dispute_warning(first, "not theirs")
        with pytest.raises(AuthorisationError):  # the provider does not dispute
            housing.dispute_warning(first, "no")
        assert hrss.dispute_warning(first, "family reports the person alive").state == ("disputed")
        with pytest.raises(AuthorisationError):  # the consumer does not answer its dispute
            hrss.reverify_warning(first, confirmed=True)
        assert housing.reverify_warning(first, confirmed=True).state == "issued"
        assert hrss.resolve_warning(first, "clear-warning").state == "cleared"
        actions = [e.action for e in hrss.audit_entries(action="warning.dispute")]
        assert actions == ["warning.dispute"]


def test_office_only_calls(world, server):
    cert = world.parties["TAX"].cert.read_bytes()
    with client(world, server, "TAX") as tax, office(world, server) as the_office:
        for call in (
            lambda c: c.register_certificate(cert),
            lambda c: c.update_crl((world.ca_dir / pki.CA_CRL).read_bytes()),
            lambda c: c.anchor_audit(),
        ):
            with pytest.raises(AuthorisationError):
                call(tax)
        assert the_office.register_certificate(cert).department == "TAX"
        the_office.update_crl((world.ca_dir / pki.CA_CRL).read_bytes())
        anchor = the_office.anchor_audit()
        assert anchor.seq > 0

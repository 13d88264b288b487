"""Who may talk to the matcher: mutual TLS, the CA, revocation and the agreements (e2e)."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from transport_world import agreement_of, client, encoded_pair, raw_channel

from governance import pki
from pprl.errors import AuthorisationError, TransportError
from transport.client import MatcherClient
from transport.provision import revoke_department

pytestmark = pytest.mark.e2e


def _health(channel: grpc.Channel) -> grpc.StatusCode:
    try:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return grpc.StatusCode.OK
    except grpc.RpcError as exc:
        return exc.code()


def test_a_department_with_its_certificate_is_served(world, server):
    party = world.parties["MCA"]
    channel = raw_channel(
        server, cert=party.cert.read_bytes(), key=party.key.read_bytes(), ca=party.ca.read_bytes()
    )
    assert _health(channel) == grpc.StatusCode.OK


def test_a_client_without_certificate_is_refused(world, server):
    channel = raw_channel(server, cert=None, key=None, ca=world.parties["MCA"].ca.read_bytes())
    assert _health(channel) == grpc.StatusCode.UNAVAILABLE  # the TLS handshake fails


def test_a_certificate_from_another_ca_is_refused(world, server, tmp_path):
    pki.init_ca(tmp_path / "rogue", "Rogue office", b"rogue-pass")
    rogue = pki.issue(
        tmp_path / "rogue", "MCA", "Fake civil affairs", tmp_path, ca_passphrase=b"rogue-pass"
    )
    channel = raw_channel(
        server,
        cert=rogue.certificate_path.read_bytes(),
        key=rogue.key_path.read_bytes(),
        ca=world.parties["MCA"].ca.read_bytes(),
    )
    assert _health(channel) == grpc.StatusCode.UNAVAILABLE
    with (
        MatcherClient.connect(
            server.target,
            cert=rogue.certificate_path,
            key=rogue.key_path,
            ca=world.parties["MCA"].ca,
        ) as rogue_client,
        pytest.raises(TransportError),
    ):
        rogue_client.agreement(agreement_of(world, "MCA"))


def test_a_revoked_certificate_is_refused(world, server):
    with client(world, server, "LEAVER") as leaver:
        with pytest.raises(AuthorisationError):  # registered but in no agreement
            leaver.agreement(agreement_of(world, "MCA"))
        revoke_department(world, "LEAVER")
        with pytest.raises(TransportError, match="unauthenticated"):
            leaver.agreement(agreement_of(world, "MCA"))


def test_a_department_outside_the_agreement_is_refused(world, server, tmp_path):
    agreement = agreement_of(world, "MCA")
    a, _, _ = encoded_pair(tmp_path, "OUTSIDER", "X", 50, 10, 5, seed=3)
    with client(world, server, "OUTSIDER") as outsider:
        with pytest.raises(AuthorisationError, match="^permission denied$"):
            outsider.upload(a, agreement_id=agreement, dataset_name="sneaky")
        with pytest.raises(AuthorisationError, match="^permission denied$"):
            outsider.create_run(agreement, "x", "y", threshold=0.8)
        with pytest.raises(AuthorisationError, match="^permission denied$"):
            outsider.agreement(agreement)


def test_every_call_is_audited_with_its_outcome_and_certificate(world, server):
    from governance.store import DB_FILE, GovernanceStore

    agreement = agreement_of(world, "MCA")
    with client(world, server, "OUTSIDER") as outsider, pytest.raises(AuthorisationError):
        outsider.agreement(agreement)
    with client(world, server, "MCA") as mca:
        assert mca.agreement(agreement).provider == "MPS"
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        refused = store.audit_entries(department="OUTSIDER", action="rpc:Agreement")
        allowed = store.audit_entries(department="MCA", action="rpc:Agreement")
        assert store.verify_audit().ok
    assert refused[-1].details["status"] == "PERMISSION_DENIED"
    assert allowed[-1].details["status"] == "OK"
    mca_cert = pki.load_certificate(world.parties["MCA"].cert)
    assert allowed[-1].actor_fingerprint == pki.fingerprint(mca_cert)

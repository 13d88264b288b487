"""A dishonest matcher: a real TLS gRPC server holding the matcher's CA-issued key and data.

It answers the disclosure calls with whatever serves it best: its own certificate for any
party, an agreement naming itself, payloads it sealed and signed itself. The department's
client must refuse all of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from concurrent import futures

import grpc
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cryptography.hazmat.primitives import serialization
from transport_world import agreement_of, encoded_pair

from governance import pki
from governance.agreement_messages import application_message, application_to_json, approval_message
from governance.model import AgreementEvidence, SignedApproval, UseApplication
from governance.store import DB_FILE, GovernanceStore
from pprl.errors import IntegrityError, PprlError
from transport.agreement_view import evidence_to_view
from transport.client import MatcherClient
from transport.disclosure import _sealed, receive, release
from transport.generated import disclosure_pb2, disclosure_pb2_grpc, runs_pb2, runs_pb2_grpc
from transport.results import ipc_bytes
from transport.sealing import SealHeader, open_sealed, seal
from transport.server import server_credentials

RUN_ID = "run-00000000000000aa"


class Dishonest:
    """What the dishonest matcher holds: its own key, and whatever parties sent it."""

    def __init__(self, world, own_tokens: list[str]) -> None:
        self.signer = pki.Signer.load(world.matcher.cert, world.matcher.key, None)
        self.ca_pem = world.parties["MCA"].ca.read_bytes()
        self.own_tokens = own_tokens
        self.submitted: list[disclosure_pb2.SealedPayload] = []
        self.forged: list[disclosure_pb2.SealedPayload] = []
        self.evidence = lambda agreement_id: _genuine(world, agreement_id)
        self.world = world
        self.genuine_certificates = False  # else the matcher hands out its own for any party

    @property
    def pem(self) -> bytes:
        return self.signer.certificate.public_bytes(serialization.Encoding.PEM)


class Runs(runs_pb2_grpc.RunsServicer):
    def __init__(self, d: Dishonest) -> None:
        self.d = d

    def Results(self, request, context):
        table = pa.table(
            {
                "match_id": pa.array(range(len(self.d.own_tokens)), pa.uint32()),
                "own_token": self.d.own_tokens,
            }
        )
        yield runs_pb2.ResultChunk(arrow_ipc=ipc_bytes(table), side="a")


def _genuine(world, agreement_id: str) -> AgreementEvidence:
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        return store.agreement_evidence(agreement_id)


def _self_made(d: Dishonest, agreement_id: str) -> AgreementEvidence:
    """An agreement naming the matcher as consumer, signed and approved with its own key."""
    now = dt.datetime.now(dt.timezone.utc)
    text = application_to_json(
        UseApplication(
            consumer="MATCHER",
            provider="MPS",
            entries=(("mps-registry", 1),),
            purpose="anything",
            scenario="anything",
            spatial_scope="province",
            disclose_fields=("death_date", "cause"),
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=1),
        )
    )
    approve = d.signer.sign(approval_message(agreement_id, text))
    return AgreementEvidence(
        agreement_id=agreement_id,
        application_json=text,
        sharing_type="conditional",
        applicant_signature=d.signer.sign(application_message(text)),
        applicant_certificate_pem=d.pem,
        approvals=(
            SignedApproval("OFFICE", approve, d.pem),
            SignedApproval("MPS", approve, d.pem),
            SignedApproval("MATCHER", approve, d.pem),
        ),
    )


def _replayed(world, agreement_id: str) -> AgreementEvidence:
    """Another genuine agreement (HRSS and HOUSING) passed off under this id."""
    other = _genuine(world, agreement_of(world, "HRSS"))
    return dataclasses.replace(other, agreement_id=agreement_id)


class Disclosure(disclosure_pb2_grpc.DisclosureServicer):
    def __init__(self, d: Dishonest) -> None:
        self.d = d

    def Agreement(self, request, context):
        return evidence_to_view(self.d.evidence(request.agreement_id))

    def PartyCertificate(self, request, context):
        party = self.d.world.parties.get(request.department)
        pem = party.cert.read_bytes() if self.d.genuine_certificates and party else self.d.pem
        return disclosure_pb2.CertificateView(department=request.department, certificate_pem=pem)

    def Submit(self, request, context):
        self.d.submitted.append(request)
        return disclosure_pb2.SubmitReceipt(disclosure_id="d-1")

    def Fetch(self, request, context):
        yield from self.d.forged


def _tokens(map_path) -> list[str]:
    return pq.read_table(map_path).column("record_token").to_pylist()[:3]


@pytest.fixture()
def dishonest(world, tmp_path):
    a, b, _ = encoded_pair(tmp_path, "MCA", "MPS", 20, 20, 5, seed=3)
    d = Dishonest(world, _tokens(tmp_path / "MCA.map.parquet"))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    runs_pb2_grpc.add_RunsServicer_to_server(Runs(d), server)
    disclosure_pb2_grpc.add_DisclosureServicer_to_server(Disclosure(d), server)
    port = server.add_secure_port(
        "127.0.0.1:0", server_credentials(world.matcher.cert, world.matcher.key, d.ca_pem, None)
    )
    server.start()
    d.target = f"localhost:{port}"
    d.data = tmp_path
    yield d
    server.stop(None)


def _client(world, d, department: str) -> MatcherClient:
    party = world.parties[department]
    return MatcherClient.connect(d.target, cert=party.cert, key=party.key, ca=party.ca)


EVIDENCE = {
    "genuine": lambda world, d: lambda a: _genuine(world, a),
    "self-made": lambda world, d: lambda a: _self_made(d, a),
    "replayed": lambda world, d: lambda a: _replayed(world, a),
}


@pytest.mark.parametrize("genuine_certificates", [False, True])
@pytest.mark.parametrize("evidence", sorted(EVIDENCE))
def test_a_provider_never_seals_to_the_matcher(world, dishonest, evidence, genuine_certificates):
    d = dishonest
    d.evidence = EVIDENCE[evidence](world, d)
    d.genuine_certificates = genuine_certificates
    d.own_tokens = _tokens(d.data / "MPS.map.parquet")
    honest = evidence == "genuine" and genuine_certificates

    def release_as_provider():
        with _client(world, d, "MPS") as mps:
            return release(
                mps,
                RUN_ID,
                agreement_of(world, "MCA"),
                map_path=d.data / "MPS.map.parquet",
                source_path=d.data / "MPS.source.csv",
            )

    if honest:  # everything genuine: sealed to the real consumer, which the matcher cannot open
        assert release_as_provider().recipient == "MCA"
        assert [m.recipient for m in d.submitted] == ["MCA"]
    else:
        with pytest.raises(PprlError):
            release_as_provider()
        assert d.submitted == []
    for message in d.submitted:
        with pytest.raises(IntegrityError):
            open_sealed(_sealed(message), d.signer.private_key, world_cert(world, "MPS"))


def world_cert(world, department: str):
    return pki.load_certificate(world.parties[department].cert)


@pytest.mark.parametrize("genuine_certificates", [False, True])
@pytest.mark.parametrize("evidence", sorted(EVIDENCE))
def test_a_payload_signed_with_the_matchers_key_is_refused(
    world, dishonest, tmp_path, evidence, genuine_certificates
):
    """The forgery through the real `receive()`: sealed to the consumer, signed with the
    matcher's CA-issued key, claiming to come from the matcher or from the provider."""
    d = dishonest
    d.evidence = EVIDENCE[evidence](world, d)
    d.genuine_certificates = genuine_certificates
    agreement = agreement_of(world, "MCA")
    rows = [[i, {"death_date": "1999-09-09", "cause": "forged"}] for i in range(3)]
    body = json.dumps(
        {"format": "pprl-disclosure", "version": 1, "fields": ["death_date", "cause"], "rows": rows}
    ).encode()
    for sender in ("MATCHER", "MPS"):
        header = SealHeader(RUN_ID, agreement, sender, "MCA", ("death_date", "cause"), 3)
        sealed = seal(body, header, world_cert(world, "MCA"), d.signer.private_key)
        d.forged = [
            disclosure_pb2.SealedPayload(
                run_id=RUN_ID,
                agreement_id=agreement,
                sender=sender,
                recipient="MCA",
                fields=list(header.fields),
                record_count=3,
                ephemeral_public_key=sealed.ephemeral_public_key,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                signature=sealed.signature,
            )
        ]
        out = tmp_path / f"received-{sender}.csv"
        with _client(world, d, "MCA") as mca:
            try:  # refused as a whole (a forged agreement or party) or as a payload
                report = receive(
                    mca, RUN_ID, agreement, map_path=d.data / "MCA.map.parquet", out_path=out
                )
            except PprlError:
                report = None
        assert report is None or (report.records == 0 and len(report.refused) == 1)
        assert not out.exists() or "forged" not in out.read_text()


def test_the_matchers_own_certificate_is_never_a_party(world, dishonest):
    with _client(world, dishonest, "MCA") as mca, pytest.raises(PprlError):
        mca.party_certificate(agreement_of(world, "MCA"), "MATCHER")


def test_a_genuine_agreement_verifies_and_names_its_parties(world, dishonest):
    with _client(world, dishonest, "MCA") as mca:
        agreement = mca.agreement(agreement_of(world, "MCA"))
    assert (agreement.consumer, agreement.provider) == ("MCA", "MPS")
    assert agreement.fields == ("death_date", "cause")

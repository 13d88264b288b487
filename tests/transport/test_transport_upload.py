"""Uploads over mutual TLS: verified chunks, signed manifests, resume, concurrency, garbage."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from transport_world import PAIRS, agreement_of, client, encoded_pair

from pprl.encoded import Manifest
from pprl.errors import AuthorisationError, IntegrityError, PprlError, TransportError
from transport.client import MatcherClient, encoded_ipc
from transport.generated import uploads_pb2
from transport.signing import sign_manifest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("upload-data")
    a, b, _ = encoded_pair(out, "MCA", "MPS", 3000, 800, 100, seed=11)
    return a, b


def test_tampered_chunk_is_refused_and_nothing_is_kept(world, server, data):
    a, _ = data
    with client(world, server, "MCA") as mca:
        raw, manifest = encoded_ipc(a, mca.signer.private_key)
        state = mca.begin_upload(raw, manifest, agreement_of(world, "MCA"), "tampered")
        good = raw[:4096]
        bad = bytes([good[0] ^ 1]) + good[1:]
        chunk = uploads_pb2.UploadChunk(
            upload_id=state.upload_id, offset=0, data=bad, sha256=hashlib.sha256(good).digest()
        )
        with pytest.raises(grpc.RpcError) as err:
            mca.uploads.Send(iter([chunk]))
        assert err.value.code() == grpc.StatusCode.DATA_LOSS
        again = mca.begin_upload(
            raw, manifest, agreement_of(world, "MCA"), "tampered", state.upload_id
        )
        assert again.next_offset == 0
        # A chunk altered together with its own hash passes the chunk check but not the commit.
        forged = [
            uploads_pb2.UploadChunk(
                upload_id=state.upload_id, offset=0, data=bad, sha256=hashlib.sha256(bad).digest()
            ),
            *mca.chunks(raw, state.upload_id, len(bad), 1 << 20),
        ]
        mca.uploads.Send(iter(forged))
        with pytest.raises(IntegrityError):
            mca._call(
                mca.uploads.Commit, uploads_pb2.CommitUploadRequest(upload_id=state.upload_id)
            )


def test_forged_manifests_are_refused(world, server, data):
    a, _ = data
    agreement = agreement_of(world, "MCA")
    with client(world, server, "MCA") as mca, client(world, server, "MPS") as mps:
        raw, manifest_json = encoded_ipc(a, mca.signer.private_key)
        manifest = Manifest.from_json(manifest_json)
        signed_by_other = sign_manifest(manifest, mps.signer.private_key).to_json()
        altered = dataclasses.replace(manifest, record_count=manifest.record_count + 1).to_json()
        unsigned = dataclasses.replace(manifest, signature=None).to_json()
        for forged in (signed_by_other, altered, unsigned):
            with pytest.raises(IntegrityError, match="^signature does not verify$"):
                mca.begin_upload(raw, forged, agreement, "forged")
        # Another department cannot upload a manifest naming MCA, even correctly signed by MCA.
        with pytest.raises(AuthorisationError):
            mps.begin_upload(raw, manifest_json, agreement, "not-mine")


class CuttingProxy:
    """A TCP proxy that forwards at most `budget` bytes client→server, then cuts every link."""

    def __init__(self, target_port: int, budget: int) -> None:
        self.target_port, self.budget = target_port, budget
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(
                target=self._pipe, args=(downstream, upstream, True), daemon=True
            ).start()
            threading.Thread(
                target=self._pipe, args=(upstream, downstream, False), daemon=True
            ).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, metered: bool) -> None:
        try:
            while data := src.recv(65536):
                if metered:
                    self.budget -= len(data)
                    if self.budget < 0:
                        # The link stalls, then dies: the server has a moment to store the
                        # chunks it already holds, as it would on a real network (a busy
                        # machine must not turn this into a cut before any chunk is stored).
                        time.sleep(1.0)
                        break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        self.listener.close()


def test_an_upload_broken_midway_resumes_where_it_stopped(world, server, data, tmp_path):
    a, _ = data
    agreement = agreement_of(world, "MCA")
    party = world.parties["MCA"]
    resume = tmp_path / "resume.json"
    proxy = CuttingProxy(server.port, budget=250_000)
    try:
        with (
            MatcherClient.connect(
                f"localhost:{proxy.port}", cert=party.cert, key=party.key, ca=party.ca
            ) as broken,
            pytest.raises(PprlError),
        ):
            broken.upload(
                a,
                agreement_id=agreement,
                dataset_name="resumed",
                chunk_bytes=32 * 1024,
                resume_file=resume,
                retries=1,
            )
    finally:
        proxy.close()
    assert resume.exists()
    with client(world, server, "MCA") as mca:
        report = mca.upload(
            a,
            agreement_id=agreement,
            dataset_name="resumed",
            chunk_bytes=32 * 1024,
            resume_file=resume,
        )
    assert 0 < report.resumed_from < report.total_bytes
    assert report.record_count == 3000
    assert not resume.exists()


def test_eight_departments_upload_at_once(world, server, tmp_path):
    jobs = []
    for i, (consumer, provider) in enumerate(PAIRS):
        a, b, _ = encoded_pair(tmp_path, consumer, provider, 1500 + i, 700 + i, 50, seed=100 + i)
        jobs += [(consumer, a, consumer), (provider, b, consumer)]

    def upload(job):
        department, path, consumer = job
        with client(world, server, department) as c:
            return department, c.upload(
                path,
                agreement_id=agreement_of(world, consumer),
                dataset_name=f"{department.lower()}-concurrent",
                chunk_bytes=64 * 1024,
            )

    with ThreadPoolExecutor(max_workers=8) as pool:
        reports = dict(pool.map(upload, jobs))
    assert len(reports) == 8
    for i, (consumer, provider) in enumerate(PAIRS):
        assert reports[consumer].record_count == 1500 + i
        assert reports[provider].record_count == 700 + i
    datasets = world.matcher_dir / "datasets"
    for report in reports.values():
        assert (datasets / f"{report.dataset_id}.arrows").exists()


GARBAGE = b"\x0a\xff\xff\xff\xff\x0f\x00garbage"


def test_garbage_gets_invalid_argument_and_the_server_lives_on(world, server, data):
    a, _ = data
    with client(world, server, "MCA") as mca:
        for method in (
            "/pprl.v1.Uploads/Begin",
            "/pprl.v1.Runs/Status",
            "/pprl.v1.Disclosure/Agreement",
        ):
            call = mca.channel.unary_unary(
                method, request_serializer=None, response_deserializer=None
            )
            with pytest.raises(grpc.RpcError) as err:
                call(GARBAGE, timeout=5)
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        stream = mca.channel.stream_unary(
            "/pprl.v1.Uploads/Send", request_serializer=None, response_deserializer=None
        )
        with pytest.raises(grpc.RpcError) as err:
            stream(iter([GARBAGE, GARBAGE]), timeout=5)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # Well-formed messages with nonsense inside are refused the same way.
        with pytest.raises(grpc.RpcError) as err:
            mca.uploads.Begin(
                uploads_pb2.BeginUploadRequest(
                    agreement_id=agreement_of(world, "MCA"),
                    dataset_name="x",
                    manifest_json="{not json",
                    total_bytes=10,
                    total_sha256="0" * 64,
                )
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError) as err:
            mca.uploads.Send(
                iter([uploads_pb2.UploadChunk(upload_id="../../etc", offset=0, data=b"x")])
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        # Over the size limits.
        with pytest.raises(grpc.RpcError) as err:
            mca.uploads.Begin(
                uploads_pb2.BeginUploadRequest(
                    agreement_id=agreement_of(world, "MCA"),
                    dataset_name="huge",
                    manifest_json="{}",
                    total_bytes=3 << 30,
                    total_sha256="0" * 64,
                )
            )
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        with pytest.raises(grpc.RpcError) as err:
            mca.uploads.Send(
                iter(
                    [uploads_pb2.UploadChunk(upload_id="0" * 32, offset=0, data=b"\0" * (9 << 20))]
                )
            )
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert server.alive()
        reply = health_pb2_grpc.HealthStub(mca.channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        assert (
            mca.upload(
                a, agreement_id=agreement_of(world, "MCA"), dataset_name="after-garbage"
            ).record_count
            == 3000
        )


def test_unknown_transport_errors_are_engine_errors(world, server):
    with client(world, server, "MCA"), pytest.raises(TransportError):
        MatcherClient.connect(
            "localhost:1",
            cert=world.parties["MCA"].cert,
            key=world.parties["MCA"].key,
            ca=world.parties["MCA"].ca,
        ).agreement("AG-0")


def test_an_encoding_under_another_secret_is_refused_for_the_agreement(
    world, server, data, tmp_path
):
    a, _ = data
    agreement = agreement_of(world, "MCA")
    _, other, _ = encoded_pair(tmp_path, "MCA", "MPS", 20, 20, 5, seed=9, key_id="another-secret")
    with client(world, server, "MCA") as mca, client(world, server, "MPS") as mps:
        mca.upload(a, agreement_id=agreement, dataset_name="reference")
        with pytest.raises(TransportError, match="failed_precondition.*key id"):
            mps.upload(other, agreement_id=agreement, dataset_name="other-secret")

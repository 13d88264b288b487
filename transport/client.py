"""The department's client for the matcher: mutual TLS, resumable uploads, runs, disclosure.

    client = MatcherClient.connect("localhost:50051", cert="dept.crt", key="dept.key", ca="ca.crt")
    info = client.upload("lowincome.parquet", agreement_id="agr-…", dataset_name="lowincome")

Every gRPC failure comes back as one engine error (`statuses.error_for`), never a raw RpcError.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pyarrow as pa
import pyarrow.parquet as pq
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from governance import pki
from governance.agreement_proof import VerifiedAgreement, party_identity, verify_agreement
from pprl.encoded import manifest_of
from pprl.errors import (
    AuthorisationError,
    EncodedFormatError,
    InputError,
    PprlError,
    TransportError,
)
from pprl.files import write_json_atomic
from transport import results as result_views
from transport.agreement_view import evidence_from_view
from transport.client_governance import GovernanceMixin
from transport.generated import (
    disclosure_pb2,
    disclosure_pb2_grpc,
    runs_pb2,
    runs_pb2_grpc,
    uploads_pb2,
    uploads_pb2_grpc,
)
from transport.limits import CHUNK_BYTES, Limits
from transport.signing import sign_manifest
from transport.statuses import error_for

DEFAULT_LIMITS = Limits()
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN)


def _engine_error(exc: grpc.RpcError) -> PprlError:
    return error_for(exc.code(), exc.details() or "")


@dataclass(frozen=True)
class UploadReport:
    dataset_id: str
    record_count: int
    total_bytes: int
    resumed_from: int
    attempts: int


def encoded_ipc(path: str | Path, key: ec.EllipticCurvePrivateKey) -> tuple[bytes, str]:
    """The encoded dataset as Arrow IPC bytes, and its manifest signed by `key` (as JSON).

    The bytes are the file's contents as they are (deterministic, so a later attempt can
    resume); the signature travels in the declared manifest, which must equal the one inside
    the data in everything but the signature.
    """
    try:
        table = pq.read_table(str(path))
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except (pa.ArrowException, OSError):
        raise EncodedFormatError(f"{path}: not a readable Parquet file") from None
    manifest = sign_manifest(manifest_of(table, str(path)), key)
    return result_views.ipc_bytes(table), manifest.to_json()


class MatcherClient(GovernanceMixin):
    """Uploads, runs and disclosure here; governance calls in `transport.client_governance`."""

    def __init__(
        self,
        channel: grpc.Channel,
        signer: pki.Signer,
        ca: x509.Certificate,
        crl: x509.CertificateRevocationList | None = None,
    ) -> None:
        self.channel = channel
        self.signer = signer
        self.ca = ca
        self.crl = crl
        self.uploads = uploads_pb2_grpc.UploadsStub(channel)
        self.runs = runs_pb2_grpc.RunsStub(channel)
        self.disclosure = disclosure_pb2_grpc.DisclosureStub(channel)

    @classmethod
    def connect(
        cls,
        target: str,
        *,
        cert: str | Path,
        key: str | Path,
        ca: str | Path,
        key_passphrase: bytes | None = None,
        crl: str | Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> MatcherClient:
        """Connect with our certificate; `ca` (and `crl`, if given) are our own trusted copies."""
        signer = pki.Signer.load(cert, key, key_passphrase)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=Path(ca).read_bytes(),
            private_key=pki.tls_private_key_pem(key, key_passphrase),
            certificate_chain=Path(cert).read_bytes(),
        )
        channel = grpc.secure_channel(
            target,
            credentials,
            options=[
                ("grpc.max_receive_message_length", limits.max_message_bytes),
                ("grpc.max_send_message_length", limits.max_message_bytes),
            ],
        )
        ca_cert = pki.load_certificate(ca)
        return cls(channel, signer, ca_cert, pki.load_crl(crl) if crl else None)

    @property
    def department(self) -> str:
        return pki.identity_of(self.signer.certificate).department

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> MatcherClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: Callable, request, timeout: float | None = 60):
        try:
            return method(request, timeout=timeout)
        except grpc.RpcError as exc:
            raise _engine_error(exc) from None

    # --- uploads -------------------------------------------------------------------------
    def begin_upload(
        self, raw: bytes, manifest_json: str, agreement_id: str, name: str, upload_id: str = ""
    ) -> uploads_pb2.UploadState:
        request = uploads_pb2.BeginUploadRequest(
            upload_id=upload_id,
            agreement_id=agreement_id,
            dataset_name=name,
            manifest_json=manifest_json,
            total_bytes=len(raw),
            total_sha256=hashlib.sha256(raw).hexdigest(),
        )
        return self._call(self.uploads.Begin, request)

    @staticmethod
    def chunks(
        raw: bytes,
        upload_id: str,
        start: int,
        size: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator:
        for offset in range(start, len(raw), size):
            data = raw[offset : offset + size]
            yield uploads_pb2.UploadChunk(
                upload_id=upload_id, offset=offset, data=data, sha256=hashlib.sha256(data).digest()
            )
            if progress is not None:
                progress(offset + len(data), len(raw))

    def upload(
        self,
        path: str | Path,
        *,
        agreement_id: str,
        dataset_name: str,
        chunk_bytes: int = CHUNK_BYTES,
        resume_file: str | Path | None = None,
        retries: int = 5,
        progress: Callable[[int, int], None] | None = None,
    ) -> UploadReport:
        """Upload an encoded Parquet file; resume an earlier broken attempt if one is recorded.

        The upload id is kept in `resume_file` (default `<path>.upload.json`) until the commit,
        so running the same command again after a failure continues where it stopped.
        """
        raw, manifest_json = encoded_ipc(path, self.signer.private_key)
        digest = hashlib.sha256(raw).hexdigest()
        resume = Path(resume_file) if resume_file else Path(f"{path}.upload.json")
        upload_id = ""
        if resume.exists():
            saved = json.loads(resume.read_text())
            if saved.get("sha256") == digest and saved.get("agreement_id") == agreement_id:
                upload_id = saved.get("upload_id", "")
        attempts, resumed_from = 0, None
        while True:
            attempts += 1
            try:
                state = self.begin_upload(raw, manifest_json, agreement_id, dataset_name, upload_id)
            except InputError:
                if not upload_id:
                    raise
                upload_id = ""  # the matcher no longer knows that upload: start again
                continue
            upload_id = state.upload_id
            if resumed_from is None:
                resumed_from = state.next_offset
            write_json_atomic(
                resume,
                {"upload_id": upload_id, "sha256": digest, "agreement_id": agreement_id},
                indent=None,
            )
            if state.next_offset < len(raw):
                try:
                    self.uploads.Send(
                        self.chunks(raw, upload_id, state.next_offset, chunk_bytes, progress),
                        timeout=600,
                    )
                except grpc.RpcError as exc:
                    if exc.code() not in RETRYABLE or attempts > retries:
                        raise _engine_error(exc) from None
                    time.sleep(min(0.2 * attempts, 2.0))
                    continue
            info = self._call(
                self.uploads.Commit, uploads_pb2.CommitUploadRequest(upload_id=upload_id), 600
            )
            resume.unlink(missing_ok=True)
            return UploadReport(
                info.dataset_id, info.record_count, len(raw), resumed_from, attempts
            )

    def datasets(self, agreement_id: str | None = None) -> list[uploads_pb2.DatasetInfo]:
        """This department's own datasets at the matcher."""
        query = uploads_pb2.DatasetQuery(agreement_id=agreement_id or "")
        return list(self._call(self.uploads.ListDatasets, query).datasets)

    def delete_dataset(self, dataset_id: str) -> uploads_pb2.DatasetInfo:
        return self._call(self.uploads.DeleteDataset, uploads_pb2.DatasetRef(dataset_id=dataset_id))

    # --- runs ----------------------------------------------------------------------------
    def create_run(
        self,
        agreement_id: str,
        dataset_a: str,
        dataset_b: str,
        *,
        threshold: float,
        blocking: int = runs_pb2.BLOCKING_UNSPECIFIED,
        solver: int = runs_pb2.SOLVER_UNSPECIFIED,
        duplicates_at: float | None = None,
    ) -> runs_pb2.RunStatus:
        """`blocking`, `solver`: `runs_pb2` enums, unspecified for the matcher's default
        (`transport.run_options` maps them to the matcher's options); `duplicates_at`: None for
        the matcher's default, 0 to keep one B record."""
        request = runs_pb2.CreateRunRequest(
            agreement_id=agreement_id,
            dataset_a=dataset_a,
            dataset_b=dataset_b,
            threshold=threshold,
            blocking=blocking,
            solver=solver,
        )
        if duplicates_at is not None:
            request.duplicates_at = duplicates_at
        return self._call(self.runs.Create, request)

    def list_runs(self, agreement_id: str | None = None) -> list[runs_pb2.RunStatus]:
        """Runs under agreements this department is a party to."""
        query = runs_pb2.ListRunsRequest(agreement_id=agreement_id or "")
        return list(self._call(self.runs.List, query).runs)

    def run_status(self, run_id: str) -> runs_pb2.RunStatus:
        return self._call(self.runs.Status, runs_pb2.RunRef(run_id=run_id))

    def watch(self, run_id: str, timeout: float | None = None) -> Iterator[runs_pb2.RunStatus]:
        try:
            yield from self.runs.Watch(runs_pb2.RunRef(run_id=run_id), timeout=timeout)
        except grpc.RpcError as exc:
            raise _engine_error(exc) from None

    def cancel_run(self, run_id: str) -> runs_pb2.RunStatus:
        return self._call(self.runs.Cancel, runs_pb2.RunRef(run_id=run_id))

    def results(self, run_id: str) -> tuple[str, pa.Table]:
        """(side, table of match_id, own_token, score): never the counterpart's tokens."""
        try:
            pieces = list(self.runs.Results(runs_pb2.RunRef(run_id=run_id), timeout=600))
        except grpc.RpcError as exc:
            raise _engine_error(exc) from None
        if not pieces:
            raise TransportError("matcher sent no results")
        raw = b"".join(p.arrow_ipc for p in pieces)
        return pieces[0].side, result_views.read_ipc(raw)

    # --- disclosure ----------------------------------------------------------------------
    def agreement(self, agreement_id: str) -> VerifiedAgreement:
        """The agreement as its signatures prove it against our own CA (the matcher relays it)."""
        view = self._call(
            self.disclosure.Agreement, disclosure_pb2.AgreementRef(agreement_id=agreement_id)
        )
        return verify_agreement(evidence_from_view(view), agreement_id, self.ca, self.crl)

    def party_certificate(self, agreement_id: str, department: str) -> x509.Certificate:
        """A department's certificate, checked against our own copy of the CA and CRL.

        Only a department certificate naming `department` passes: the matcher's or the
        office's own CA-issued certificates are never a party to seal to or accept from.
        """
        view = self._call(
            self.disclosure.PartyCertificate,
            disclosure_pb2.PartyRef(agreement_id=agreement_id, department=department),
        )
        now = dt.datetime.now(dt.timezone.utc)
        try:
            cert, _ = party_identity(
                view.certificate_pem, self.ca, self.crl, now, department=department
            )
        except AuthorisationError:
            raise TransportError(
                f"the matcher did not return a valid {department} certificate"
            ) from None
        return cert

    def submit(self, payload: disclosure_pb2.SealedPayload) -> str:
        return self._call(self.disclosure.Submit, payload).disclosure_id

    def fetch(self, run_id: str) -> list[disclosure_pb2.SealedPayload]:
        try:
            return list(
                self.disclosure.Fetch(disclosure_pb2.FetchRequest(run_id=run_id), timeout=600)
            )
        except grpc.RpcError as exc:
            raise _engine_error(exc) from None

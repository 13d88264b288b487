"""Thin servicers: translate messages to calls on the stores and back. No logic of their own.

Each method authorises the caller (`context.caller`, set by the interceptor) through the
governance store for the action it performs, then calls one pure function or store method.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pyarrow.parquet as pq
from cryptography.hazmat.primitives import serialization

from governance.model import Action
from linkage.options import DEFAULT_DUPLICATES_AT
from pprl.encoded import check_not_retired
from pprl.errors import (
    AuthorisationError,
    GovernanceError,
    IncompatibleEncodingsError,
    InputError,
    LimitExceeded,
    NotFound,
    NotReady,
)
from transport import results as result_views
from transport.agreement_view import evidence_to_view
from transport.generated import (
    disclosure_pb2,
    disclosure_pb2_grpc,
    runs_pb2,
    runs_pb2_grpc,
    uploads_pb2,
    uploads_pb2_grpc,
)
from transport.limits import MIB, SEALED_PAYLOAD_ALLOWANCE, Limits
from transport.relay import DisclosureRelay, Relayed
from transport.run_options import blocking_of, solver_of
from transport.runs import RunManager
from transport.runstate import RunState, RunStatus, now_iso
from transport.signing import verify_manifest
from transport.uploads import DatasetRecord, UploadStore

WATCH_INTERVAL = 0.2


@dataclass(frozen=True)
class Matcher:
    """Everything the servicers need; built once by `server.serve`."""

    governance: object  # GovernanceStore-like: authorise(dept, action, agreement_id), audit(...)
    uploads: UploadStore
    runs: RunManager
    relay: DisclosureRelay
    data_dir: Path | None = None  # the matcher's data directory (warnings read run results)
    limits: Limits = Limits()

    def authorise(self, context, action: Action, agreement_id: str):
        return self.governance.authorise(context.caller.department, action, agreement_id)

    def audit(self, context, action: str, agreement_id: str | None, **details) -> None:
        self.governance.audit(context.caller.identity, action, agreement_id, details)

    def refuse(self, context, action: Action) -> NoReturn:
        """The same refusal `authorise` gives, for ids that do not exist: nothing to tell apart."""
        self.governance.audit(
            context.caller.department, "authorise.refused", None, {"action": action.value}
        )
        raise AuthorisationError()

    def run_of(self, context, action: Action, run_id: str):
        """(files, spec, agreement) of a run the caller may `action`; one refusal otherwise."""
        try:
            files = self.runs.files(run_id)
            spec = files.spec()
        except NotFound:
            self.refuse(context, action)
        return files, spec, self.authorise(context, action, spec.agreement_id)


def _upload_state(state) -> uploads_pb2.UploadState:
    return uploads_pb2.UploadState(
        upload_id=state.upload_id,
        next_offset=state.next_offset,
        total_bytes=state.total_bytes,
        complete=state.complete,
    )


def _dataset_info(record: DatasetRecord) -> uploads_pb2.DatasetInfo:
    return uploads_pb2.DatasetInfo(
        dataset_id=record.dataset_id,
        department=record.department,
        dataset_name=record.dataset_name,
        agreement_id=record.agreement_id,
        record_count=record.record_count,
        content_hash=record.content_hash,
        schema_fingerprint=record.schema_fingerprint,
        key_id=record.key_id,
    )


class UploadsServicer(uploads_pb2_grpc.UploadsServicer):
    def __init__(self, matcher: Matcher) -> None:
        self.m = matcher

    def _check_signature(self, context):
        return lambda manifest: verify_manifest(manifest, context.caller.certificate)

    def Begin(self, request, context):
        self.m.authorise(context, Action.UPLOAD, request.agreement_id)
        state = self.m.uploads.begin(
            context.caller.department,
            upload_id=request.upload_id,
            agreement_id=request.agreement_id,
            dataset_name=request.dataset_name,
            manifest_json=request.manifest_json,
            total_bytes=request.total_bytes,
            total_sha256=request.total_sha256,
            check_signature=self._check_signature(context),
        )
        return _upload_state(state)

    def Send(self, request_iterator, context):
        state = None
        for chunk in request_iterator:
            state = self.m.uploads.append(
                context.caller.department, chunk.upload_id, chunk.offset, chunk.data, chunk.sha256
            )
        if state is None:
            raise InputError("no chunks sent")
        return _upload_state(state)

    def Commit(self, request, context):
        meta_agreement = self.m.uploads.agreement_of(context.caller.department, request.upload_id)
        self.m.authorise(context, Action.UPLOAD, meta_agreement)

        def check_compatible(agreement_id: str, manifest) -> None:
            check_not_retired(manifest.schema_fingerprint)
            for other in self.m.uploads.datasets_under(agreement_id):
                if (other.schema_fingerprint, other.key_id) != (
                    manifest.schema_fingerprint,
                    manifest.key_id,
                ):
                    raise IncompatibleEncodingsError(
                        f"encoding differs from dataset {other.dataset_id} under this "
                        "agreement (schema fingerprint or key id); re-encode with the agreed "
                        "schema and secret"
                    )

        record = self.m.uploads.commit(
            context.caller.department,
            request.upload_id,
            self._check_signature(context),
            check_compatible,
        )
        self.m.audit(
            context,
            "upload",
            record.agreement_id,
            dataset_id=record.dataset_id,
            records=record.record_count,
            content_hash=record.content_hash,
        )
        return _dataset_info(record)

    def ListDatasets(self, request, context):
        mine = self.m.uploads.datasets_of(context.caller.department)
        if request.agreement_id:
            mine = [r for r in mine if r.agreement_id == request.agreement_id]
        return uploads_pb2.DatasetList(datasets=[_dataset_info(r) for r in mine])

    def DeleteDataset(self, request, context):
        try:
            record = self.m.uploads.delete(context.caller.department, request.dataset_id)
        except NotFound:
            self.m.refuse(context, Action.UPLOAD)  # unknown or another's: the same refusal
        self.m.audit(context, "dataset-delete", record.agreement_id, dataset_id=record.dataset_id)
        return _dataset_info(record)


def _run_status(spec, status: RunStatus) -> runs_pb2.RunStatus:
    return runs_pb2.RunStatus(
        run_id=spec.run_id,
        agreement_id=spec.agreement_id,
        state=runs_pb2.RunState.Value(status.state.name),
        stage=status.stage,
        progress=status.progress,
        matches=status.matches,
        message=status.message,
        dataset_a=spec.dataset_a,
        dataset_b=spec.dataset_b,
        created_at=spec.created_at,
        finished_at=status.finished_at,
        attempts=status.attempts,
    )


class RunsServicer(runs_pb2_grpc.RunsServicer):
    def __init__(self, matcher: Matcher) -> None:
        self.m = matcher

    def Create(self, request, context):
        agreement = self.m.authorise(context, Action.RUN, request.agreement_id)
        # 0 (unset): the run chooses it from its scores (linkage.auto_threshold).
        if not 0.0 <= request.threshold <= 1.0:
            raise InputError("threshold must be in (0, 1] (0: auto)", field="threshold")
        if request.threshold and request.threshold < self.m.limits.min_threshold:
            raise InputError(
                f"threshold below the matcher's minimum {self.m.limits.min_threshold:g} "
                "(it would compare as matches records that share little)",
                field="threshold",
            )
        solver = solver_of(request.solver)
        blocking = blocking_of(request.blocking)
        duplicates_at = DEFAULT_DUPLICATES_AT
        if request.HasField("duplicates_at"):
            if not 0.0 <= request.duplicates_at <= 1.0:
                raise InputError("duplicates_at must be in [0, 1] (0: off)", field="duplicates_at")
            duplicates_at = request.duplicates_at or None
        parties = set(agreement.parties)
        for name in (request.dataset_a, request.dataset_b):
            try:
                record = self.m.uploads.dataset(name)
            except NotFound:
                self.m.refuse(context, Action.RUN)
            if record.agreement_id != request.agreement_id or record.department not in parties:
                self.m.refuse(context, Action.RUN)
        spec = self.m.runs.create(
            {
                "agreement_id": request.agreement_id,
                "dataset_a": request.dataset_a,
                "dataset_b": request.dataset_b,
                "threshold": request.threshold,
                "blocking": blocking,
                "solver": solver,
                "duplicates_at": duplicates_at,
                "created_by": context.caller.department,
                "created_at": now_iso(),
            }
        )
        self.m.audit(context, "run-create", request.agreement_id, run_id=spec.run_id)
        return _run_status(spec, self.m.runs.files(spec.run_id).status())

    def Status(self, request, context):
        files, spec, _ = self.m.run_of(context, Action.FETCH_RESULTS, request.run_id)
        return _run_status(spec, files.status())

    def Watch(self, request, context) -> Iterator[runs_pb2.RunStatus]:
        files, spec, _ = self.m.run_of(context, Action.FETCH_RESULTS, request.run_id)
        last = None
        while context.is_active():
            status = files.status()
            if status != last:
                yield _run_status(spec, status)
                last = status
            if status.state.final:
                return
            time.sleep(WATCH_INTERVAL)

    def Cancel(self, request, context):
        files, spec, _ = self.m.run_of(context, Action.RUN, request.run_id)
        status = self.m.runs.cancel(spec.run_id)
        self.m.audit(context, "run-cancel", spec.agreement_id, run_id=spec.run_id)
        return _run_status(spec, status)

    def Results(self, request, context):
        files, spec, _ = self.m.run_of(context, Action.FETCH_RESULTS, request.run_id)
        if files.status().state is not RunState.SUCCEEDED:
            raise NotReady("run has no results (it has not succeeded)")
        side = result_views.side_of(
            context.caller.department,
            self.m.uploads.dataset(spec.dataset_a).department,
            self.m.uploads.dataset(spec.dataset_b).department,
        )
        view = result_views.party_view(pq.read_table(str(files.result_path)), side)
        self.m.audit(
            context, "results", spec.agreement_id, run_id=spec.run_id, rows=view.num_rows, side=side
        )
        for piece in result_views.byte_chunks(result_views.ipc_bytes(view)):
            yield runs_pb2.ResultChunk(arrow_ipc=piece, side=side)

    def List(self, request, context):
        me, runs, parties = context.caller.department, [], {}
        for run_id in self.m.runs.run_ids():
            try:
                files = self.m.runs.files(run_id)
                spec = files.spec()
            except (NotFound, OSError, ValueError):
                continue
            if request.agreement_id and spec.agreement_id != request.agreement_id:
                continue
            if spec.agreement_id not in parties:
                try:
                    agreement = self.m.governance.agreement(spec.agreement_id)
                    parties[spec.agreement_id] = set(agreement.parties)
                except GovernanceError:
                    parties[spec.agreement_id] = set()
            if me in parties[spec.agreement_id]:
                runs.append(_run_status(spec, files.status()))
        runs.sort(key=lambda r: (r.created_at, r.run_id))
        return runs_pb2.RunList(runs=runs)


def _check_payload_bounds(request, relayed: Relayed, matches: int, limits: Limits) -> None:
    """What one run may have relayed to its consumer: records it matched, sealed bytes in
    proportion to them, a bounded number of payloads and bytes in all."""
    if relayed.records + request.record_count > matches:
        raise InputError("more records disclosed than the run matched", field="record_count")
    if request.record_count < 1 and (matches or relayed.payloads):
        # Only a run that matched nothing has its one empty payload (the release says so).
        raise InputError("a sealed payload must carry at least one record", field="record_count")
    if relayed.payloads >= limits.max_disclosure_payloads:
        raise LimitExceeded(
            f"at most {limits.max_disclosure_payloads} sealed payloads per run and recipient"
        )
    size = request.ByteSize()
    if size > SEALED_PAYLOAD_ALLOWANCE + request.record_count * limits.max_disclosed_record_bytes:
        raise LimitExceeded(
            f"sealed payload of {size} bytes for {request.record_count} record(s): at most "
            f"{limits.max_disclosed_record_bytes} bytes per record"
        )
    if relayed.bytes + size > limits.max_disclosure_bytes:
        raise LimitExceeded(
            f"at most {limits.max_disclosure_bytes // MIB} MiB of sealed payloads per run and "
            "recipient"
        )


class DisclosureServicer(disclosure_pb2_grpc.DisclosureServicer):
    def __init__(self, matcher: Matcher) -> None:
        self.m = matcher

    def Agreement(self, request, context):
        self.m.authorise(context, Action.FETCH_RESULTS, request.agreement_id)
        # The signed application and approvals: the party checks them itself.
        return evidence_to_view(self.m.governance.agreement_evidence(request.agreement_id))

    def PartyCertificate(self, request, context):
        agreement = self.m.authorise(context, Action.FETCH_RESULTS, request.agreement_id)
        if request.department not in agreement.parties:
            self.m.refuse(context, Action.FETCH_RESULTS)
        cert = self.m.governance.department_certificate(request.department)
        return disclosure_pb2.CertificateView(
            department=request.department,
            certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
        )

    def Submit(self, request, context):
        files, spec, agreement = self.m.run_of(context, Action.DISCLOSE, request.run_id)
        if spec.agreement_id != request.agreement_id:
            self.m.refuse(context, Action.DISCLOSE)
        status = files.status()
        if status.state is not RunState.SUCCEEDED:
            raise NotReady("run has no results to disclose (it has not succeeded)")
        if request.sender != context.caller.department or request.recipient != agreement.consumer:
            raise AuthorisationError()
        extra = set(request.fields) - set(agreement.disclose_fields)
        if extra or not request.fields:
            raise AuthorisationError()
        relayed = self.m.relay.relayed(
            request.run_id,
            request.recipient,
            lambda raw: disclosure_pb2.SealedPayload.FromString(raw).record_count,
        )
        _check_payload_bounds(request, relayed, status.matches, self.m.limits)
        disclosure_id = self.m.relay.new_id()
        request.disclosure_id = disclosure_id
        self.m.relay.put(
            request.run_id, request.recipient, disclosure_id, request.SerializeToString()
        )
        self.m.audit(
            context,
            "disclose",
            request.agreement_id,
            run_id=request.run_id,
            disclosure_id=disclosure_id,
            recipient=request.recipient,
            fields=list(request.fields),
            records=request.record_count,
        )
        return disclosure_pb2.SubmitReceipt(disclosure_id=disclosure_id)

    def Fetch(self, request, context):
        _, spec, _ = self.m.run_of(context, Action.RECEIVE_DISCLOSURE, request.run_id)
        payloads = self.m.relay.for_recipient(request.run_id, context.caller.department)
        self.m.audit(
            context, "receive", spec.agreement_id, run_id=request.run_id, payloads=len(payloads)
        )
        for raw in payloads:
            yield disclosure_pb2.SealedPayload.FromString(raw)

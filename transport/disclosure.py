"""Department side of disclosure: the provider releases, the consumer receives.

Provider (`release`): fetch its side of the run's matched pairs, map its own record tokens back
to its records through its local token map (which never leaves the department), take only the
fields the agreement allows, seal them to the consumer's certificate key and hand the sealed
payload to the matcher to relay.

Consumer (`receive`): fetch sealed payloads addressed to it, check that each comes from the
agreement's provider under this agreement and run, check the provider's signature, decrypt,
and join each disclosed row to its own record through the match id and its own map.

Both sides take the provider, the consumer and the fields only from the agreement's signed
application and approvals, verified against their own copy of the CA (`agreement_proof`),
and accept only department certificates: the matcher relays, it never vouches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pprl import sealing
from pprl.errors import AuthorisationError, InputError, IntegrityError
from pprl.files import write_csv_atomic
from pprl.tables import read_table
from transport.client import MatcherClient
from transport.generated import disclosure_pb2
from transport.sealing import Sealed, SealHeader, open_sealed, seal

PAYLOAD_FORMAT = "pprl-disclosure"
PAYLOAD_VERSION = 1
ROWS_PER_PAYLOAD = 20_000


@dataclass(frozen=True)
class ReleaseReport:
    disclosure_ids: tuple[str, ...]
    recipient: str
    fields: tuple[str, ...]
    records: int


@dataclass(frozen=True)
class ReceiveReport:
    out_path: Path
    payloads: int
    records: int
    fields: tuple[str, ...]


def token_index(map_path: str | Path, value_column: str) -> dict[str, object]:
    table = read_table(map_path)
    for column in ("record_token", value_column):
        if column not in table.column_names:
            raise InputError(f"missing column {column!r}", path=str(map_path), field=column)
    return dict(
        zip(
            table.column("record_token").to_pylist(),
            table.column(value_column).to_pylist(),
            strict=True,
        )
    )


def release(
    client: MatcherClient,
    run_id: str,
    agreement_id: str,
    *,
    map_path: str | Path,
    source_path: str | Path,
    fields: tuple[str, ...] = (),
    columns: dict[str, str] | None = None,
    encoding: str = "utf-8",
) -> ReleaseReport:
    """Seal the agreed `fields` of this run's matched records to the consumer.

    `columns` maps a field to its column in the source extract (default: the field's name);
    `encoding` is the text encoding of a CSV extract (`gb18030` for a GBK export)."""
    view = client.agreement(agreement_id)
    if view.provider != client.department or view.consumer == client.department:
        raise AuthorisationError()
    allowed = tuple(view.fields)
    fields = tuple(fields) or allowed
    for name in fields:
        if name not in allowed:
            raise InputError("field is not disclosable under the agreement", field=name)
    columns = {name: (columns or {}).get(name, name) for name in fields}
    source = read_table(source_path, encoding=encoding)
    for name, column in columns.items():
        if column not in source.column_names:
            raise InputError(f"no column {column!r} for field {name!r}", path=str(source_path))
    values = {name: source.column(column).to_pylist() for name, column in columns.items()}
    rows_of = token_index(map_path, "source_row")
    _, matches = client.results(run_id)
    rows = []
    for match_id, token in zip(
        matches.column("match_id").to_pylist(), matches.column("own_token").to_pylist(), strict=True
    ):
        if token not in rows_of:
            raise InputError(f"record token {token} is not in the map", path=str(map_path))
        row = int(rows_of[token])
        rows.append([match_id, {name: values[name][row] for name in fields}])
    recipient_cert = client.party_certificate(agreement_id, view.consumer)
    ids = []
    # Several sealed payloads for a large release, each well under the message size limit.
    for start in range(0, max(len(rows), 1), ROWS_PER_PAYLOAD):
        batch = rows[start : start + ROWS_PER_PAYLOAD]
        header = SealHeader(
            run_id=run_id,
            agreement_id=agreement_id,
            sender=client.department,
            recipient=view.consumer,
            fields=fields,
            record_count=len(batch),
        )
        ids.append(client.submit(_sealed_message(batch, header, recipient_cert, client)))
    return ReleaseReport(tuple(ids), view.consumer, fields, len(rows))


def _sealed_message(
    rows: list, header: SealHeader, recipient_cert, client: MatcherClient
) -> disclosure_pb2.SealedPayload:
    document = {
        "format": PAYLOAD_FORMAT,
        "version": PAYLOAD_VERSION,
        "fields": list(header.fields),
        "rows": rows,
    }
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    sealed = seal(payload, header, recipient_cert, client.signer.private_key)
    return disclosure_pb2.SealedPayload(
        run_id=header.run_id,
        agreement_id=header.agreement_id,
        sender=header.sender,
        recipient=header.recipient,
        fields=list(header.fields),
        record_count=header.record_count,
        ephemeral_public_key=sealed.ephemeral_public_key,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        signature=sealed.signature,
    )


def _sealed(message: disclosure_pb2.SealedPayload) -> Sealed:
    header = SealHeader(
        run_id=message.run_id,
        agreement_id=message.agreement_id,
        sender=message.sender,
        recipient=message.recipient,
        fields=tuple(message.fields),
        record_count=message.record_count,
    )
    return Sealed(
        header, message.ephemeral_public_key, message.nonce, message.ciphertext, message.signature
    )


def receive(
    client: MatcherClient,
    run_id: str,
    agreement_id: str,
    *,
    map_path: str | Path,
    out_path: str | Path,
) -> ReceiveReport:
    me = client.department
    agreement = client.agreement(agreement_id)
    if agreement.consumer != me:
        raise AuthorisationError()
    sender_cert = client.party_certificate(agreement_id, agreement.provider)
    ids_of = token_index(map_path, "record_id")
    _, matches = client.results(run_id)
    token_of = dict(
        zip(
            matches.column("match_id").to_pylist(),
            matches.column("own_token").to_pylist(),
            strict=True,
        )
    )
    out_rows: list[dict] = []
    fields: list[str] = []
    payloads = client.fetch(run_id)
    for message in payloads:
        if (
            message.recipient != me
            or message.run_id != run_id
            or message.agreement_id != agreement_id
            or message.sender != agreement.provider
        ):
            raise IntegrityError(sealing.CANNOT_OPEN)
        document = json.loads(open_sealed(_sealed(message), client.signer.private_key, sender_cert))
        if (
            document.get("format") != PAYLOAD_FORMAT
            or len(document["rows"]) != message.record_count
        ):
            raise IntegrityError(sealing.CANNOT_OPEN)
        if list(document["fields"]) != list(message.fields) or set(message.fields) - set(
            agreement.fields
        ):
            raise IntegrityError(sealing.CANNOT_OPEN)
        fields += [f for f in document["fields"] if f not in fields]
        for match_id, values in document["rows"]:
            if match_id not in token_of:
                raise IntegrityError(f"disclosed match {match_id} is not in this run's results")
            token = token_of[match_id]
            if token not in ids_of:
                raise InputError(f"record token {token} is not in the map", path=str(map_path))
            out_rows.append(
                {
                    "record_id": ids_of[token],
                    "match_id": match_id,
                    "provider": message.sender,
                    **values,
                }
            )
    out = Path(out_path)
    header = ["record_id", "match_id", "provider", *fields]
    ordered = sorted(out_rows, key=lambda r: r["match_id"])
    write_csv_atomic(out, header, ([row.get(name, "") for name in header] for row in ordered))
    return ReceiveReport(out, len(payloads), len(out_rows), tuple(fields))

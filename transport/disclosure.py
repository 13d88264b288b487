"""Department side of disclosure: the provider releases, the consumer receives.

Provider (`release`): fetch its side of the run's matched pairs, map its own record tokens back
to its records through its local token map (which never leaves the department), take only the
fields the agreement allows, seal them to the consumer's certificate key and hand the sealed
payload to the matcher to relay.

Consumer (`receive`): fetch sealed payloads addressed to it, check that each comes from the
agreement's provider under this agreement and run, check the provider's signature, decrypt,
and join each disclosed row to its own record through the match id and its own map. Each
payload stands alone: one that fails any check (or repeats a match already received) is
refused whole and skipped, listed in the report's `refused`, and the others are received.

Both sides take the provider, the consumer and the fields only from the agreement's signed
application and approvals, verified against their own copy of the CA (`agreement_proof`),
and accept only department certificates: the matcher relays, it never vouches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

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
class Refused:
    """A payload `receive` skipped, and why (as little as `pprl.sealing` says of a seal)."""

    disclosure_id: str
    reason: str


@dataclass(frozen=True)
class ReceiveReport:
    out_path: Path
    payloads: int  # received
    records: int
    fields: tuple[str, ...]
    refused: tuple[Refused, ...] = ()


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


def with_record_ids(table: pa.Table, map_path: str | Path, token: str = "own_token") -> pa.Table:
    """`table` with `record_id` from this department's map beside its `token` column; a token
    the map lacks is refused (the map is not this run's side), naming the row, not the token."""
    ids_of = token_index(map_path, "record_id")
    ids = []
    for row, value in enumerate(table.column(token).to_pylist(), 1):
        if value not in ids_of:
            raise InputError(
                "a record token of the results is not in the map (the other side's map?)",
                path=str(map_path),
                row=row,
                field=token,
            )
        ids.append(None if ids_of[value] is None else str(ids_of[value]))
    return table.append_column("record_id", pa.array(ids, pa.string()))


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
    match_ids = matches.column("match_id").to_pylist()
    token_of = dict(zip(match_ids, matches.column("own_token").to_pylist(), strict=True))
    scores = matches.column("score").to_pylist() if "score" in matches.column_names else None
    score_of = dict(zip(match_ids, scores or [None] * len(match_ids), strict=True))
    out_rows: list[dict] = []
    fields: list[str] = []
    refused: list[Refused] = []
    received = 0
    seen: set = set()
    expected = Expected(run_id, agreement_id, me, agreement.provider, tuple(agreement.fields))
    for message in client.fetch(run_id):
        try:
            document = _opened(message, expected, client, sender_cert)
            rows = _rows(document, message, token_of, seen)
        except IntegrityError as exc:
            refused.append(Refused(message.disclosure_id or "(no id)", str(exc)))
            continue
        received += 1
        seen.update(match_id for match_id, _ in rows)
        fields += [f for f in document["fields"] if f not in fields]
        for match_id, values in rows:
            token = token_of[match_id]
            if token not in ids_of:  # our own map lacks our own token: not the payload's fault
                raise InputError(f"record token {token} is not in the map", path=str(map_path))
            out_rows.append(
                {
                    "record_id": ids_of[token],
                    "match_id": match_id,
                    "score": score_of[match_id],
                    "provider": message.sender,
                    **values,
                }
            )
    out = Path(out_path)
    header = ["record_id", "match_id", "score", "provider", *fields]
    ordered = sorted(out_rows, key=lambda r: r["match_id"])
    write_csv_atomic(out, header, ([row.get(name, "") for name in header] for row in ordered))
    return ReceiveReport(out, received, len(out_rows), tuple(fields), tuple(refused))


@dataclass(frozen=True)
class Expected:
    """What every payload of this receipt must say of itself."""

    run_id: str
    agreement_id: str
    recipient: str
    sender: str
    fields: tuple[str, ...]


def _opened(message, expected: Expected, client: MatcherClient, sender_cert) -> dict:
    """The payload's document, if it is addressed to us and sealed by the provider."""
    if (
        message.recipient != expected.recipient
        or message.run_id != expected.run_id
        or message.agreement_id != expected.agreement_id
        or message.sender != expected.sender
    ):
        raise IntegrityError(sealing.CANNOT_OPEN)
    plain = open_sealed(_sealed(message), client.signer.private_key, sender_cert)
    try:
        document = json.loads(plain)
    except ValueError:
        raise IntegrityError(sealing.CANNOT_OPEN) from None
    if (
        not isinstance(document, dict)
        or document.get("format") != PAYLOAD_FORMAT
        or not isinstance(document.get("rows"), list)
        or len(document["rows"]) != message.record_count
        or document.get("fields") != list(message.fields)
        or set(message.fields) - set(expected.fields)
    ):
        raise IntegrityError(sealing.CANNOT_OPEN)
    return document


def _rows(document: dict, message, token_of: dict, seen: set) -> list[tuple[int, dict]]:
    """The payload's rows, each a match of this run not received before, with its fields."""
    fields = set(message.fields)
    rows, here = [], set()
    for row in document["rows"]:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[1], dict)):
            raise IntegrityError(sealing.CANNOT_OPEN)
        match_id, values = row
        if type(match_id) is not int or set(values) != fields:
            raise IntegrityError(sealing.CANNOT_OPEN)
        if not all(v is None or isinstance(v, str | int | float) for v in values.values()):
            raise IntegrityError(sealing.CANNOT_OPEN)
        if match_id not in token_of:
            raise IntegrityError("a disclosed match is not in this run's results")
        if match_id in seen or match_id in here:
            raise IntegrityError("a disclosed match was already received")
        here.add(match_id)
        rows.append((match_id, values))
    return rows

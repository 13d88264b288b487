"""The signed texts of an agreement: the use application as JSON, and what each party signs.

Both sides build these byte for byte: the store when a party applies or approves, and each
department when it checks an agreement itself (`governance.agreement_proof`).
"""

from __future__ import annotations

import datetime as dt
import json

from governance.model import UseApplication
from governance.store_base import _iso


def application_to_json(app: UseApplication) -> str:
    return json.dumps(
        {
            "consumer": app.consumer,
            "provider": app.provider,
            "entries": [[e, v] for e, v in app.entries],
            "purpose": app.purpose,
            "scenario": app.scenario,
            "spatial_scope": app.spatial_scope,
            "disclose_fields": list(app.disclose_fields),
            "valid_from": _iso(app.valid_from),
            "valid_until": _iso(app.valid_until),
            "named_parties": list(app.named_parties),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def application_from_json(text: str) -> UseApplication:
    d = json.loads(text)
    return UseApplication(
        consumer=d["consumer"],
        provider=d["provider"],
        entries=tuple((e, int(v)) for e, v in d["entries"]),
        purpose=d["purpose"],
        scenario=d["scenario"],
        spatial_scope=d["spatial_scope"],
        disclose_fields=tuple(d["disclose_fields"]),
        valid_from=dt.datetime.fromisoformat(d["valid_from"]),
        valid_until=dt.datetime.fromisoformat(d["valid_until"]),
        named_parties=tuple(d["named_parties"]),
    )


def approval_message(agreement_id: str, application_json: str) -> bytes:
    return f"pprl/approve/v1\0{agreement_id}\0{application_json}".encode()


def application_message(application_json: str) -> bytes:
    return f"pprl/apply/v1\0{application_json}".encode()

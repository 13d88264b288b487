"""`pprl agreement apply|approve|revoke|show|list`: use applications and sharing agreements."""

from __future__ import annotations

import json
from pathlib import Path

import click

from governance import pki
from governance.cli_common import (
    data_dir_option,
    open_store,
    signer,
    signer_options,
)
from governance.model import Agreement, UseApplication
from governance.validity import parse_validity, show_validity
from pprl.errors import InputError


def _entry_ref(text: str) -> tuple[str, int | None]:
    entry_id, _, version = text.partition("@")
    if version and not version.isdigit():
        raise InputError(f"expected ENTRY or ENTRY@VERSION, got {text!r}", field="entry")
    return entry_id, int(version) if version else None


def agreement_as_dict(agreement: Agreement, now) -> dict:
    app = agreement.application
    return {
        "agreement_id": agreement.agreement_id,
        "status": agreement.status(now).value,
        "sharing_type": agreement.sharing_type.value,
        "consumer": app.consumer,
        "provider": app.provider,
        "entries": [f"{e}@{v}" for e, v in app.entries],
        "purpose": app.purpose,
        "scenario": app.scenario,
        "spatial_scope": app.spatial_scope,
        "disclose_fields": list(app.disclose_fields),
        "valid_from": show_validity(app.valid_from),
        "valid_until": show_validity(app.valid_until, until=True),
        "named_parties": list(app.named_parties),
        "required_approvers": list(agreement.required_approvers),
        "approvals": list(agreement.approvals),
        "rejected_approvals": list(agreement.rejected_approvals),
        "application_signed": agreement.application_signed,
        "applied_at": agreement.applied_at.isoformat(),
        "revoked_at": agreement.revoked_at.isoformat() if agreement.revoked_at else None,
    }


@click.group("agreement")
def agreement() -> None:
    """Use applications (数据使用申请) and the sharing agreements they become."""


@agreement.command("apply")
@data_dir_option
@signer_options
@click.option("--provider", required=True, help="Providing department code.")
@click.option(
    "--entry",
    "entries",
    multiple=True,
    required=True,
    help="Catalogue entry, ENTRY or ENTRY@VERSION (default the latest); repeat.",
)
@click.option("--purpose", required=True)
@click.option("--scenario", required=True)
@click.option("--scope", "spatial_scope", required=True, help="Spatial scope, e.g. a region code.")
@click.option(
    "--disclose",
    "disclose_fields",
    multiple=True,
    help="A field the provider may disclose for matched records; repeat.",
)
@click.option("--valid-from", required=True, help="China date (from its start) or ISO date-time.")
@click.option(
    "--valid-until", required=True, help="China date (to its end, inclusive) or ISO date-time."
)
@click.option(
    "--party",
    "named_parties",
    multiple=True,
    help="Dedicated sharing: every named party (consumer and provider included).",
)
def agreement_apply(
    data_dir: Path,
    cert_path: Path,
    key_path: Path,
    provider: str,
    entries: tuple[str, ...],
    purpose: str,
    scenario: str,
    spatial_scope: str,
    disclose_fields: tuple[str, ...],
    valid_from: str,
    valid_until: str,
    named_parties: tuple[str, ...],
) -> None:
    """File a use application as the consumer (the --cert's department). Prints its id."""
    applicant = signer(cert_path, key_path)
    with open_store(data_dir) as store:
        pinned = []
        for text in entries:
            entry_id, version = _entry_ref(text)
            pinned.append((entry_id, store.catalogue_entry(entry_id, version).version))
        application = UseApplication(
            consumer=pki.identity_of(applicant.certificate).department,
            provider=provider,
            entries=tuple(pinned),
            purpose=purpose,
            scenario=scenario,
            spatial_scope=spatial_scope,
            disclose_fields=disclose_fields,
            valid_from=parse_validity(valid_from, "valid_from"),
            valid_until=parse_validity(valid_until, "valid_until", until=True),
            named_parties=named_parties,
        )
        filed = store.apply(applicant, application)
    click.echo(filed.agreement_id)
    click.echo(f"awaiting approval by: {', '.join(filed.required_approvers)}", err=True)


@agreement.command("approve")
@data_dir_option
@signer_options
@click.argument("agreement_id")
def agreement_approve(data_dir: Path, cert_path: Path, key_path: Path, agreement_id: str) -> None:
    """Approve as the --cert's party (the office, the provider or a named party)."""
    with open_store(data_dir) as store:
        approved = store.approve(signer(cert_path, key_path), agreement_id)
        status = approved.status(store.now()).value
    click.echo(f"{agreement_id}: {status}")


@agreement.command("revoke")
@data_dir_option
@signer_options
@click.argument("agreement_id")
def agreement_revoke(data_dir: Path, cert_path: Path, key_path: Path, agreement_id: str) -> None:
    """Revoke at once (the office, the provider or the consumer)."""
    with open_store(data_dir) as store:
        store.revoke_agreement(signer(cert_path, key_path), agreement_id)
    click.echo(f"{agreement_id}: revoked")


@agreement.command("show")
@data_dir_option
@click.argument("agreement_id")
def agreement_show(data_dir: Path, agreement_id: str) -> None:
    """The agreement and its status now, as JSON."""
    with open_store(data_dir) as store:
        shown = agreement_as_dict(store.agreement(agreement_id), store.now())
    click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


@agreement.command("list")
@data_dir_option
@click.option("--department", default=None, help="Only agreements this department is party to.")
def agreement_list(data_dir: Path, department: str | None) -> None:
    """One line per agreement: id, status, consumer, provider, sharing type, purpose."""
    with open_store(data_dir) as store:
        now = store.now()
        for a in store.agreements(department=department):
            click.echo(
                f"{a.agreement_id}\t{a.status(now).value}\t{a.consumer}\t{a.provider}\t"
                f"{a.sharing_type.value}\t{a.purpose}"
            )

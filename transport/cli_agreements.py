"""`pprl catalog add|list|show` and `pprl agreement apply|approve|revoke|show|list`, over gRPC.

The office and the departments run these on their own machines against the matcher's
Governance service (`--profile` or --server/--cert/--key/--ca, `transport.cli_options`);
none of them opens the matcher's files. Applications and approvals are signed here, with the
party's own key; the matcher verifies the signatures and applies the governance rules.
"""

from __future__ import annotations

import json

import click

from governance.model import (
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
    UseApplication,
)
from governance.validity import parse_validity
from pprl.errors import InputError
from transport.cli_options import client_options, output_options
from transport.governance_views import agreement_dict, entry_dict


def _choice(enum_type) -> click.Choice:
    return click.Choice([m.value for m in enum_type])


def _entry_ref(text: str) -> tuple[str, int | None]:
    entry_id, _, version = text.partition("@")
    if version and not version.isdigit():
        raise InputError(f"expected ENTRY or ENTRY@VERSION, got {text!r}", field="entry")
    return entry_id, int(version) if version else None


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


# --- catalogue -------------------------------------------------------------------------------
@click.group("catalog")
def catalog() -> None:
    """The data resource catalogue: versioned entries with the twelve metadata items."""


@catalog.command("add")
@click.option("--id", "entry_id", required=True, help="Entry identifier, e.g. MPS-DEATHS.")
@click.option("--category", required=True, help="资源分类")
@click.option("--name", required=True, help="资源名称")
@click.option("--provider", required=True, help="Providing department code.")
@click.option("--format", "data_format", type=_choice(DataFormat), required=True)
@click.option("--field", "fields", multiple=True, required=True, help="信息项 (repeat).")
@click.option("--update-cycle", type=_choice(UpdateCycle), required=True)
@click.option("--sharing-type", type=_choice(SharingType), required=True)
@click.option("--conditions", default="", help="共享条件")
@click.option("--scope", required=True, help="共享范围")
@click.option("--method", type=_choice(SharingMethod), required=True)
@click.option("--source-system", required=True, help="来源系统")
@click.option("--security-level", type=_choice(SecurityLevel), required=True)
@output_options
@client_options
def catalog_add(client, output, conditions, scope, method, **items) -> None:
    """Publish an entry (or its next version). The office or the provider."""
    entry = client.add_catalogue_entry(
        sharing_conditions=conditions, sharing_scope=scope, sharing_method=method, **items
    )
    output.emit(
        f"{entry.entry_id}@{entry.version}",
        entry_dict(entry),
        f"{entry.entry_id} version {entry.version}",
    )


@catalog.command("list")
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@client_options
def catalog_list(client, all_versions: bool, as_json: bool) -> None:
    """One line per entry: id, version, provider, sharing type, name."""
    for e in client.catalogue(all_versions=all_versions):
        if as_json:
            click.echo(json.dumps(entry_dict(e), ensure_ascii=False))
        else:
            click.echo(f"{e.entry_id}\tv{e.version}\t{e.provider}\t{e.sharing_type}\t{e.name}")


@catalog.command("show")
@click.argument("entry_id")
@click.option("--version", "version", type=int, default=None, help="Default: the latest.")
@client_options
def catalog_show(client, entry_id: str, version: int | None) -> None:
    """The entry's twelve items as JSON."""
    _echo_json(entry_dict(client.catalogue_entry(entry_id, version)))


# --- agreements ------------------------------------------------------------------------------
@click.group("agreement")
def agreement() -> None:
    """Use applications (数据使用申请) and the sharing agreements they become."""


@agreement.command("apply")
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
@output_options
@client_options
def agreement_apply(
    client,
    output,
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
    """File a use application as the consumer (this party), signed here. Prints its id."""
    pinned = []
    for text in entries:
        entry_id, version = _entry_ref(text)
        pinned.append((entry_id, client.catalogue_entry(entry_id, version).version))
    application = UseApplication(
        consumer=client.department,
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
    filed = client.apply(application)
    output.emit(filed.agreement_id, agreement_dict(filed), filed.agreement_id)
    click.echo(f"awaiting approval by: {', '.join(filed.required_approvers)}", err=True)


@agreement.command("approve")
@click.argument("agreement_id")
@client_options
def agreement_approve(client, agreement_id: str) -> None:
    """Approve as this party (the office, the provider or a named party), signed here.

    The application's own signature is checked against this party's CA copy first.
    """
    approved = client.approve(agreement_id)
    click.echo(f"{agreement_id}: {approved.status}")


@agreement.command("revoke")
@click.argument("agreement_id")
@client_options
def agreement_revoke(client, agreement_id: str) -> None:
    """Revoke at once (the office, the provider or the consumer)."""
    client.revoke(agreement_id)
    click.echo(f"{agreement_id}: revoked")


@agreement.command("show")
@click.argument("agreement_id")
@client_options
def agreement_show(client, agreement_id: str) -> None:
    """The agreement and its status now, as JSON (parties and approvers only)."""
    _echo_json(agreement_dict(client.show_agreement(agreement_id)))


@agreement.command("list")
@click.option("--department", default=None, help="Only agreements this department is party to.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@client_options
def agreement_list(client, department: str | None, as_json: bool) -> None:
    """One line per agreement this party may see: id, status, consumer, provider, type, purpose."""
    for a in client.agreements(department):
        if as_json:
            click.echo(json.dumps(agreement_dict(a), ensure_ascii=False))
        else:
            click.echo(
                f"{a.agreement_id}\t{a.status}\t{a.consumer}\t{a.provider}\t"
                f"{a.sharing_type}\t{a.purpose}"
            )

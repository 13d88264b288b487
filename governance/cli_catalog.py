"""`pprl catalog add|list|show`: the data resource catalogue (数据资源目录)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from governance.cli_common import data_dir_option, open_store, signer, signer_options
from governance.model import (
    CatalogueEntry,
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
)


def _choice(enum_type) -> click.Choice:
    return click.Choice([m.value for m in enum_type])


def entry_as_dict(entry: CatalogueEntry) -> dict:
    return {
        "entry_id": entry.entry_id,
        "version": entry.version,
        "category": entry.category,
        "name": entry.name,
        "provider": entry.provider,
        "format": entry.data_format.value,
        "fields": list(entry.fields),
        "update_cycle": entry.update_cycle.value,
        "sharing_type": entry.sharing_type.value,
        "sharing_conditions": entry.sharing_conditions,
        "sharing_scope": entry.sharing_scope,
        "sharing_method": entry.sharing_method.value,
        "source_system": entry.source_system,
        "security_level": entry.security_level.value,
        "created_at": entry.created_at.isoformat() if entry.created_at else None,
    }


@click.group("catalog")
def catalog() -> None:
    """The data resource catalogue: versioned entries with the twelve metadata items."""


@catalog.command("add")
@data_dir_option
@signer_options
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
def catalog_add(
    data_dir: Path,
    cert_path: Path,
    key_path: Path,
    entry_id: str,
    category: str,
    name: str,
    provider: str,
    data_format: str,
    fields: tuple[str, ...],
    update_cycle: str,
    sharing_type: str,
    conditions: str,
    scope: str,
    method: str,
    source_system: str,
    security_level: str,
) -> None:
    """Publish an entry (or its next version). Signed by the office or the provider."""
    with open_store(data_dir) as store:
        entry = store.add_catalogue_entry(
            signer(cert_path, key_path),
            entry_id=entry_id,
            category=category,
            name=name,
            provider=provider,
            data_format=DataFormat(data_format),
            fields=fields,
            update_cycle=UpdateCycle(update_cycle),
            sharing_type=SharingType(sharing_type),
            sharing_conditions=conditions,
            sharing_scope=scope,
            sharing_method=SharingMethod(method),
            source_system=source_system,
            security_level=SecurityLevel(security_level),
        )
    click.echo(f"{entry.entry_id} version {entry.version}")


@catalog.command("list")
@data_dir_option
@click.option("--all-versions", is_flag=True, help="Every version, not only the latest.")
def catalog_list(data_dir: Path, all_versions: bool) -> None:
    """One line per entry: id, version, provider, sharing type, name."""
    with open_store(data_dir) as store:
        for e in store.catalogue(all_versions=all_versions):
            click.echo(
                f"{e.entry_id}\tv{e.version}\t{e.provider}\t{e.sharing_type.value}\t{e.name}"
            )


@catalog.command("show")
@data_dir_option
@click.argument("entry_id")
@click.option("--version", "version", type=int, default=None, help="Default: the latest.")
def catalog_show(data_dir: Path, entry_id: str, version: int | None) -> None:
    """The entry's twelve items as JSON."""
    with open_store(data_dir) as store:
        entry = store.catalogue_entry(entry_id, version)
    click.echo(json.dumps(entry_as_dict(entry), indent=2, ensure_ascii=False))

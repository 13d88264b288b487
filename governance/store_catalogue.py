"""The data resource catalogue in the governance store (a mixin of GovernanceStore).

Entries are versioned: publishing an existing id adds its next version, and agreements name
the version they were made under. Only the office or the entry's provider may publish, signed
with its certificate and written together with its audit entry.
"""

from __future__ import annotations

import datetime as dt
import json

from governance import pki
from governance.model import (
    CatalogueEntry,
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
)
from governance.signed import Actor
from governance.store_base import _iso
from pprl.errors import AuthorisationError, GovernanceError, InputError


class CatalogueMixin:
    """The data resource catalogue: versioned entries with the twelve items."""

    def add_catalogue_entry(
        self,
        signer: Actor,
        *,
        entry_id: str,
        category: str,
        name: str,
        provider: str,
        data_format: DataFormat,
        fields: tuple[str, ...],
        update_cycle: UpdateCycle,
        sharing_type: SharingType,
        sharing_conditions: str,
        sharing_scope: str,
        sharing_method: SharingMethod,
        source_system: str,
        security_level: SecurityLevel,
    ) -> CatalogueEntry:
        """Publish a catalogue entry, or its next version if the id exists. Office or provider."""
        pki.check_department_code(entry_id)
        if not fields or len(set(fields)) != len(fields):
            raise InputError("a catalogue entry needs distinct information items", field="fields")
        for label, value in (("category", category), ("name", name)):
            if not value:
                raise InputError("must not be empty", field=label)
        ident = self.identify(signer.certificate)
        if ident.department not in (provider, self.office()):
            raise AuthorisationError()
        with self._transaction() as conn:
            if (
                conn.execute("SELECT 1 FROM departments WHERE code = ?", (provider,)).fetchone()
                is None
            ):
                raise GovernanceError(f"provider {provider} is not a registered department")
            row = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM catalogue_entries WHERE entry_id = ?",
                (entry_id,),
            ).fetchone()
            version = int(row[0]) + 1
            now = self.now()
            conn.execute(
                "INSERT INTO catalogue_entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    entry_id,
                    version,
                    category,
                    name,
                    provider,
                    data_format.value,
                    json.dumps(list(fields), ensure_ascii=False),
                    update_cycle.value,
                    sharing_type.value,
                    sharing_conditions,
                    sharing_scope,
                    sharing_method.value,
                    source_system,
                    security_level.value,
                    _iso(now),
                    ident.department,
                ),
            )
            self._append_audit(
                conn,
                ident.department,
                ident.fingerprint,
                "catalogue.add",
                None,
                None,
                {"entry_id": entry_id, "version": version, "sharing_type": sharing_type.value},
            )
        return self.catalogue_entry(entry_id, version)

    def catalogue_entry(self, entry_id: str, version: int | None = None) -> CatalogueEntry:
        if version is None:
            row = self._one(
                "SELECT * FROM catalogue_entries WHERE entry_id = ? ORDER BY version DESC LIMIT 1",
                (entry_id,),
            )
        else:
            row = self._one(
                "SELECT * FROM catalogue_entries WHERE entry_id = ? AND version = ?",
                (entry_id, version),
            )
        if row is None:
            suffix = "" if version is None else f" version {version}"
            raise GovernanceError(f"no catalogue entry {entry_id}{suffix}")
        return _entry_from_row(row)

    def catalogue(self, *, all_versions: bool = False) -> list[CatalogueEntry]:
        if all_versions:
            sql = "SELECT * FROM catalogue_entries ORDER BY entry_id, version"
        else:
            sql = (
                "SELECT c.* FROM catalogue_entries c WHERE version = (SELECT MAX(version) "
                "FROM catalogue_entries WHERE entry_id = c.entry_id) ORDER BY entry_id"
            )
        return [_entry_from_row(row) for row in self._all(sql)]


def _entry_from_row(row: tuple) -> CatalogueEntry:
    return CatalogueEntry(
        entry_id=row[0],
        version=int(row[1]),
        category=row[2],
        name=row[3],
        provider=row[4],
        data_format=DataFormat(row[5]),
        fields=tuple(json.loads(row[6])),
        update_cycle=UpdateCycle(row[7]),
        sharing_type=SharingType(row[8]),
        sharing_conditions=row[9],
        sharing_scope=row[10],
        sharing_method=SharingMethod(row[11]),
        source_system=row[12],
        security_level=SecurityLevel(row[13]),
        created_at=dt.datetime.fromisoformat(row[14]),
    )

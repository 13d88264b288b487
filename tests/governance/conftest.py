"""Shared fixtures: a CA, the office and three departments, and a clock the tests move."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from governance import pki
from governance.model import (
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
    UseApplication,
)
from governance.store import GovernanceStore

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
CA_PASS = b"ca passphrase for tests"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class World:
    """A CA in `ca_dir`, a store in `data_dir`, and a Signer per party code."""

    tmp: Path
    ca_dir: Path
    ca_pass: bytes
    t0: dt.datetime
    data_dir: Path
    clock: Clock
    store: GovernanceStore
    signers: dict[str, pki.Signer] = field(default_factory=dict)
    issued: dict[str, pki.IssuedCertificate] = field(default_factory=dict)

    def issue(self, code: str, role: pki.Role = pki.Role.DEPARTMENT, register: bool = True):
        issued = pki.issue(
            self.ca_dir,
            code,
            f"{code} 部门",
            self.tmp / "certs",
            None,
            ca_passphrase=CA_PASS,
            role=role,
            now=self.clock(),
        )
        if register:
            self.store.register_department(issued.certificate_path.read_bytes())
        self.issued[code] = issued
        self.signers[code] = pki.Signer.load(issued.certificate_path, issued.key_path, None)
        return self.signers[code]

    def entry(self, entry_id: str, provider: str, sharing_type: SharingType, fields=None):
        return self.store.add_catalogue_entry(
            self.signers[provider],
            entry_id=entry_id,
            category="人口信息",
            name=f"{entry_id} 数据",
            provider=provider,
            data_format=DataFormat.PARQUET,
            fields=tuple(fields or ("name", "id_number", "death_date")),
            update_cycle=UpdateCycle.MONTHLY,
            sharing_type=sharing_type,
            sharing_conditions="signed agreement",
            sharing_scope="province",
            sharing_method=SharingMethod.INTERFACE,
            source_system="hukou",
            security_level=SecurityLevel.IMPORTANT,
        )

    def application(self, entry, consumer="MCA", days=180, **overrides) -> UseApplication:
        values = dict(
            consumer=consumer,
            provider=entry.provider,
            entries=((entry.entry_id, entry.version),),
            purpose="dibao eligibility review",
            scenario="low-income vs deaths",
            spatial_scope="330000",
            disclose_fields=("death_date",),
            valid_from=self.clock(),
            valid_until=self.clock() + dt.timedelta(days=days),
        )
        values.update(overrides)
        return UseApplication(**values)


@pytest.fixture
def world(tmp_path: Path):
    clock = Clock(T0)
    ca_dir = tmp_path / "ca"
    pki.init_ca(ca_dir, "Provincial Big Data Office", CA_PASS, now=T0)
    data_dir = tmp_path / "matcher"
    store = GovernanceStore(data_dir / "governance.sqlite", clock=clock)
    store.trust((ca_dir / pki.CA_CERT).read_bytes())
    store.update_crl((ca_dir / pki.CA_CRL).read_bytes())
    w = World(tmp_path, ca_dir, CA_PASS, T0, data_dir, clock, store)
    w.issue("OFFICE", pki.Role.OFFICE)
    for code in ("MCA", "MPS", "MOHRSS"):
        w.issue(code)
    yield w
    store.close()

"""Set up a matcher's trust and agreements in one call (the end-to-end tests).

Creates the office's CA, certificates for the office, the matcher (server, with loopback host
names) and each department, registers them in the matcher's governance store, publishes one
catalogue entry per provided dataset and files and approves one agreement per plan. Everything
goes through `governance.pki` and `governance.store`, exactly as the `pprl pki`, `pprl catalog`
and `pprl agreement` commands would.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from governance import pki
from governance.model import (
    DataFormat,
    SecurityLevel,
    SharingMethod,
    SharingType,
    UpdateCycle,
    UseApplication,
)
from governance.store import DB_FILE, GovernanceStore

OFFICE = "OFFICE"
MATCHER = "MATCHER"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class AgreementPlan:
    """The consumer matches its dataset against the provider's `entry_id` dataset."""

    consumer: str
    provider: str
    entry_id: str
    entry_name: str
    fields: tuple[str, ...]
    disclose_fields: tuple[str, ...]
    purpose: str
    sharing_type: SharingType = SharingType.CONDITIONAL


@dataclass(frozen=True)
class Party:
    department: str
    dir: Path
    cert: Path
    key: Path
    ca: Path


@dataclass
class Provisioned:
    ca_dir: Path
    matcher_dir: Path
    matcher: Party
    parties: dict[str, Party]
    agreements: dict[str, str] = field(default_factory=dict)  # entry_id -> agreement id
    # Held in memory only: the CA key on disk is encrypted with it.
    ca_passphrase: bytes = field(default=b"", repr=False)
    office: Party | None = None


def _party(root: Path, department: str, name: str, ca_dir: Path, ca_pass: bytes, **kw) -> Party:
    home = root / department
    issued = pki.issue(ca_dir, department, name, home, ca_passphrase=ca_pass, **kw)
    ca_copy = home / "ca.crt"
    ca_copy.write_bytes((ca_dir / pki.CA_CERT).read_bytes())
    return Party(department, home, issued.certificate_path, issued.key_path, ca_copy)


def provision(
    root: str | Path,
    departments: dict[str, str],
    plans: list[AgreementPlan],
    *,
    now: dt.datetime | None = None,
) -> Provisioned:
    """Build office/ca, matcher/ (data dir + server certificate) and departments/<CODE>/."""
    root = Path(root)
    now = now or dt.datetime.now(dt.timezone.utc)
    ca_dir, matcher_dir = root / "office" / "ca", root / "matcher"
    ca_pass = secrets.token_bytes(24)
    pki.init_ca(ca_dir, "Coordinating Office", ca_pass, now=now)
    office = _party(
        root / "office", OFFICE, "Coordinating office", ca_dir, ca_pass, role=pki.Role.OFFICE
    )
    matcher = _party(
        root,
        MATCHER,
        "Central matcher",
        ca_dir,
        ca_pass,
        role=pki.Role.MATCHER,
        hosts=LOOPBACK_HOSTS,
    )
    matcher_dir = matcher.dir
    parties = {
        code: _party(root / "departments", code, name, ca_dir, ca_pass)
        for code, name in departments.items()
    }
    signers = {
        code: pki.Signer.load(p.cert, p.key, None)
        for code, p in {**parties, OFFICE: office}.items()
    }
    result = Provisioned(
        ca_dir, matcher_dir, matcher, parties, ca_passphrase=ca_pass, office=office
    )
    with GovernanceStore(matcher_dir / DB_FILE, clock=lambda: now) as store:
        store.trust((ca_dir / pki.CA_CERT).read_bytes())
        store.update_crl((ca_dir / pki.CA_CRL).read_bytes())
        for party in (office, *parties.values()):
            store.register_department(party.cert.read_bytes())
        for plan in plans:
            store.add_catalogue_entry(
                signers[plan.provider],
                entry_id=plan.entry_id,
                category="social assistance cross-check",
                name=plan.entry_name,
                provider=plan.provider,
                data_format=DataFormat.PARQUET,
                fields=plan.fields,
                update_cycle=UpdateCycle.MONTHLY,
                sharing_type=plan.sharing_type,
                sharing_conditions="for verifying social-assistance eligibility only",
                sharing_scope="civil affairs",
                sharing_method=SharingMethod.INTERFACE,
                source_system=f"{plan.provider} registry",
                security_level=SecurityLevel.IMPORTANT,
            )
            agreement = store.apply(
                signers[plan.consumer],
                UseApplication(
                    consumer=plan.consumer,
                    provider=plan.provider,
                    entries=((plan.entry_id, 1),),
                    purpose=plan.purpose,
                    scenario="cross-comparison of the low-income population database",
                    spatial_scope="province",
                    disclose_fields=plan.disclose_fields,
                    valid_from=now - dt.timedelta(days=1),
                    valid_until=now + dt.timedelta(days=365),
                ),
            )
            for approver in agreement.required_approvers:
                store.approve(signers[approver], agreement.agreement_id)
            result.agreements[plan.entry_id] = agreement.agreement_id
    return result


def revoke_department(provisioned: Provisioned, department: str) -> None:
    """Revoke a department's certificates and hand the new CRL to the matcher's store."""
    crl = pki.revoke(provisioned.ca_dir, department, ca_passphrase=provisioned.ca_passphrase)
    with GovernanceStore(provisioned.matcher_dir / DB_FILE) as store:
        store.update_crl(crl.read_bytes())

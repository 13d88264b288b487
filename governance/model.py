"""What governance talks about: catalogue entries, use applications, agreements, actions.

Options are enums whose values are the stable strings stored in SQLite and typed on the CLI.
Records are frozen dataclasses; the store builds them and nobody mutates them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class SharingType(enum.Enum):
    """共享类型. The order is strictness: an agreement over several entries takes the strictest."""

    UNCONDITIONAL = "unconditional"  # 无条件共享: the office approves
    CONDITIONAL = "conditional"  # 有条件共享: the office and the provider approve
    DEDICATED = "dedicated"  # 专用共享: every named party approves, only they may act

    @property
    def strictness(self) -> int:
        return list(SharingType).index(self)


class SharingMethod(enum.Enum):
    """共享方式."""

    ONLINE_VIEW = "online-view"
    INTERFACE = "interface"
    BULK_DOWNLOAD = "bulk-download"


class UpdateCycle(enum.Enum):
    """更新周期."""

    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half-yearly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"


class DataFormat(enum.Enum):
    """资源格式."""

    DATABASE = "database"
    CSV = "csv"
    PARQUET = "parquet"
    SPREADSHEET = "spreadsheet"
    API = "api"


class SecurityLevel(enum.Enum):
    """安全级别 (general / important / core data)."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


class Action(enum.Enum):
    """What a department asks the matcher to do under an agreement."""

    UPLOAD = "upload"  # either party uploads its encodings
    RUN = "run"  # the consumer launches a matching run
    FETCH_RESULTS = "fetch-results"  # either party fetches matched pairs
    DISCLOSE = "disclose"  # the provider releases the agreed fields, end-to-end encrypted
    RECEIVE_DISCLOSURE = "receive-disclosure"  # the consumer collects them


class AgreementStatus(enum.Enum):
    PENDING = "pending"  # applied, not every required approval given
    IN_FORCE = "in-force"
    NOT_YET_VALID = "not-yet-valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNVERIFIED = "unverified"  # the stored application is not what its consumer signed


@dataclass(frozen=True)
class CatalogueEntry:
    """One version of a data resource catalogue entry (数据资源目录) with its twelve items."""

    entry_id: str
    version: int
    category: str  # 1 资源分类
    name: str  # 2 资源名称
    provider: str  # 3 提供部门 (department code)
    data_format: DataFormat  # 4 资源格式
    fields: tuple[str, ...]  # 5 信息项
    update_cycle: UpdateCycle  # 6 更新周期
    sharing_type: SharingType  # 7 共享类型
    sharing_conditions: str  # 8 共享条件
    sharing_scope: str  # 9 共享范围
    sharing_method: SharingMethod  # 10 共享方式
    source_system: str  # 11 来源系统
    security_level: SecurityLevel  # 12 安全级别
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class UseApplication:
    """数据使用申请: what the consumer asks for, signed by the consumer when filed."""

    consumer: str
    provider: str
    entries: tuple[tuple[str, int], ...]  # (entry_id, version) pinned
    purpose: str
    scenario: str
    spatial_scope: str
    disclose_fields: tuple[str, ...]
    valid_from: dt.datetime
    valid_until: dt.datetime
    named_parties: tuple[str, ...] = ()  # dedicated sharing only


@dataclass(frozen=True)
class Agreement:
    """An application with its identity, derived sharing type and the approvals given so far."""

    agreement_id: str
    application: UseApplication
    sharing_type: SharingType
    applied_at: dt.datetime
    approvals: tuple[str, ...]
    required_approvers: tuple[str, ...]
    revoked_at: dt.datetime | None = None
    rejected_approvals: tuple[str, ...] = ()  # approval rows whose signature does not verify
    application_signed: bool = True  # False: the stored application is not what was signed

    @property
    def consumer(self) -> str:
        return self.application.consumer

    @property
    def provider(self) -> str:
        return self.application.provider

    @property
    def purpose(self) -> str:
        return self.application.purpose

    @property
    def disclose_fields(self) -> tuple[str, ...]:
        return self.application.disclose_fields

    @property
    def parties(self) -> tuple[str, ...]:
        """Departments that may act under the agreement at all."""
        if self.sharing_type is SharingType.DEDICATED:
            return self.application.named_parties
        return (self.consumer, self.provider)

    def status(self, now: dt.datetime) -> AgreementStatus:
        if not self.application_signed:
            return AgreementStatus.UNVERIFIED
        if self.revoked_at is not None and self.revoked_at <= now:
            return AgreementStatus.REVOKED
        if set(self.required_approvers) - set(self.approvals):
            return AgreementStatus.PENDING
        if now < self.application.valid_from:
            return AgreementStatus.NOT_YET_VALID
        if now >= self.application.valid_until:
            return AgreementStatus.EXPIRED
        return AgreementStatus.IN_FORCE


@dataclass(frozen=True)
class SignedApproval:
    party: str
    signature: bytes
    certificate_pem: bytes


@dataclass(frozen=True)
class AgreementEvidence:
    """What lets a party check an agreement itself against its own copy of the CA.

    The application text exactly as the consumer signed it, with the consumer's signature and
    certificate, and each approval over (agreement id, application) with the approver's
    certificate. Whoever relays it (the matcher) can neither alter nor invent it.
    """

    agreement_id: str
    application_json: str
    sharing_type: str
    applicant_signature: bytes
    applicant_certificate_pem: bytes
    approvals: tuple[SignedApproval, ...]

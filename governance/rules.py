"""Who must approve an agreement and who may do what under it (pure functions, no storage).

- unconditional sharing: the coordinating office approves;
- conditional sharing: the office and the providing department both approve;
- dedicated sharing: every named party approves (the named parties must include consumer and
  provider); nobody else's approval counts and only named parties may act.
An agreement authorises nothing until it is in force (every approval given, inside its
validity period, not revoked); then each action is open to one side only (see `ACTION_SIDES`).
"""

from __future__ import annotations

from governance.model import Action, Agreement, AgreementStatus, SharingType

# Which side of an agreement may ask for each action.
ACTION_SIDES: dict[Action, frozenset[str]] = {
    Action.UPLOAD: frozenset({"consumer", "provider"}),
    Action.RUN: frozenset({"consumer"}),
    Action.FETCH_RESULTS: frozenset({"consumer", "provider"}),
    Action.DISCLOSE: frozenset({"provider"}),
    Action.RECEIVE_DISCLOSURE: frozenset({"consumer"}),
}


def strictest(types: list[SharingType]) -> SharingType:
    return max(types, key=lambda t: t.strictness)


def required_approvers(
    sharing_type: SharingType,
    *,
    consumer: str,
    provider: str,
    office: str,
    named_parties: tuple[str, ...] = (),
) -> tuple[str, ...]:
    if sharing_type is SharingType.UNCONDITIONAL:
        return (office,)
    if sharing_type is SharingType.CONDITIONAL:
        return (office, provider)
    return tuple(dict.fromkeys(named_parties))


def sides_of(agreement: Agreement, department: str) -> frozenset[str]:
    sides = set()
    if department == agreement.consumer:
        sides.add("consumer")
    if department == agreement.provider:
        sides.add("provider")
    return frozenset(sides)


def may_act(agreement: Agreement, department: str, action: Action, now) -> bool:
    """True only if the agreement is in force and `department` holds the side `action` needs."""
    if agreement.status(now) is not AgreementStatus.IN_FORCE:
        return False
    if department not in agreement.parties:
        return False
    return bool(sides_of(agreement, department) & ACTION_SIDES[action])

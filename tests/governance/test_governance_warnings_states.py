"""Random sequences of steps against a plain reference of the lifecycle, on the real store."""

from __future__ import annotations

import itertools

from governance_warnings_world import BEFORE_NATIONAL_DAY, agreement_in_force, pairs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.warning_rules import Disposition, default_rules
from pprl.errors import GovernanceError

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("resolve"), st.sampled_from(list(Disposition))),
        st.tuples(st.sampled_from(["dispute", "confirm", "withdraw"]), st.none()),
    ),
    max_size=8,
)


def reference(state: str, step: str, disposition: Disposition | None) -> str | None:
    """The lifecycle written out case by case; None where the step must be refused."""
    clear = disposition is Disposition.CLEAR
    if step == "resolve" and state == "issued":
        return "cleared" if clear else "verified"
    if step == "resolve" and state == "verified" and clear:
        return "cleared"
    if step == "dispute" and state in ("issued", "verified"):
        return "disputed"
    if step == "confirm" and state == "disputed":
        return "issued"
    if step == "withdraw" and state == "disputed":
        return "cleared"
    return None


def test_lifecycle_matches_the_reference(world):
    world.clock.now = BEFORE_NATIONAL_DAY
    agreement_id = agreement_in_force(world)
    register = world.store
    mca, mps = world.signers["MCA"], world.signers["MPS"]
    batches = itertools.count()

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(steps=STEPS)
    def run(steps):
        source = pairs(1, f"s{next(batches)}")
        register.issue_warnings(
            mca, agreement_id, source, "mz-low-income", "gaj-deaths", rules=default_rules(), seed=1
        )
        wid = register.warnings()[-1].warning_id
        state = "issued"
        for step, disposition in steps:
            entries = len(world.store.audit_entries())
            expected = reference(state, step, disposition)
            try:
                if step == "resolve":
                    register.resolve_warning(mca, wid, disposition)
                elif step == "dispute":
                    register.dispute_warning(mca, wid, "doubted by the township")
                else:
                    register.reverify_warning(mps, wid, confirmed=step == "confirm")
            except GovernanceError as exc:
                assert expected is None, (state, step, disposition, exc)
                assert "\n" not in str(exc)
                assert len(world.store.audit_entries()) == entries
            else:
                assert expected is not None, (state, step, disposition)
                state = expected
                assert len(world.store.audit_entries()) == entries + 1
            assert register.warning(wid).state.value == state

    run()
    assert world.store.verify_audit().ok

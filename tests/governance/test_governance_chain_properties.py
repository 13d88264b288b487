"""Property tests of the hash chain: any single edit, deletion, insertion or swap is caught
at the first entry it touches."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from governance.audit import GENESIS, AuditEntry, entry_hash, verify_chain

_text = st.text(alphabet="abcXYZ民政0123456789-", min_size=0, max_size=12)
_details = st.dictionaries(st.sampled_from(["records", "pairs", "key_id"]), st.integers(0, 99))


@st.composite
def chains(draw, min_size: int = 2) -> list[AuditEntry]:
    n = draw(st.integers(min_size, 12))
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = (
            f"2026-03-02T09:00:{seq:02d}+00:00",
            draw(_text),
            draw(st.sampled_from(["", "ab" * 32])),
            draw(st.sampled_from(["upload", "run", "agreement.approve"])),
            draw(st.none() | _text),
            draw(st.none() | _text),
            draw(_details),
        )
        digest = entry_hash(prev, seq, *fields)
        entries.append(AuditEntry(seq, *fields, prev, digest))
        prev = digest
    return entries


@settings(max_examples=60, deadline=None)
@given(chains(), st.data())
def test_any_edit_is_caught_where_it_is(entries, data):
    i = data.draw(st.integers(0, len(entries) - 1))
    field = data.draw(st.sampled_from(["at", "actor", "action", "agreement_id", "details"]))
    old = getattr(entries[i], field)
    new = {"details": {**old, "records": old.get("records", 0) + 1}} if field == "details" else {}
    new = new or {field: (old or "") + "x"}
    tampered = [*entries[:i], dataclasses.replace(entries[i], **new), *entries[i + 1 :]]
    report = verify_chain(tampered)
    assert report.first_bad == entries[i].seq and "modified" in report.reason


@settings(max_examples=60, deadline=None)
@given(chains(min_size=3), st.data())
def test_deletion_insertion_and_swap_are_caught(entries, data):
    assert verify_chain(entries).ok
    i = data.draw(st.integers(0, len(entries) - 2))
    deleted = entries[:i] + entries[i + 1 :]
    assert verify_chain(deleted).first_bad == i + 1
    swapped = [*entries[:i], entries[i + 1], entries[i], *entries[i + 2 :]]
    assert verify_chain(swapped).first_bad == i + 1
    # a well-formed entry inserted and the rest renumbered: caught at the one after it
    extra = AuditEntry(i + 1, "t", "X", "", "x", None, None, {}, entries[i].prev_hash, "")
    extra = dataclasses.replace(
        extra, hash=entry_hash(extra.prev_hash, i + 1, "t", "X", "", "x", None, None, {})
    )
    renumbered = [dataclasses.replace(e, seq=e.seq + 1) for e in entries[i:]]
    report = verify_chain([*entries[:i], extra, *renumbered])
    assert report.first_bad == i + 2
    # the tail cut off: caught only against the highest number ever issued
    assert verify_chain(entries[:-1]).ok
    assert verify_chain(entries[:-1], highest_issued=len(entries)).first_bad == len(entries)

"""The disclosure relay on its own: names that could leave its directory are input errors."""

from __future__ import annotations

import pytest

from pprl.errors import InputError
from transport.relay import DisclosureRelay


@pytest.mark.parametrize("run_id, recipient", [("../run", "MCA"), ("run-1", "a/b"), ("", "MCA")])
def test_unsafe_names_are_refused(tmp_path, run_id, recipient):
    relay = DisclosureRelay(tmp_path)
    with pytest.raises(InputError, match="unsafe run id or recipient name"):
        relay.put(run_id, recipient, relay.new_id(), b"sealed")
    with pytest.raises(InputError):
        relay.for_recipient(run_id, recipient)
    assert list((tmp_path / "disclosures").iterdir()) == []


def test_a_payload_is_kept_for_its_recipient(tmp_path):
    relay = DisclosureRelay(tmp_path)
    relay.put("run-1", "MCA", relay.new_id(), b"sealed")
    assert relay.for_recipient("run-1", "MCA") == [b"sealed"]
    assert relay.for_recipient("run-1", "MPS") == []

"""Item 3: junk relayed by a provider is bounded, one bad payload spoils nothing else, and a
run's result has a cap."""

from __future__ import annotations

import csv
import os

import pytest
from robustness_cli import one_line_error, pprl
from transport_world import agreement_of, client, encoded_pair

import transport.disclosure
from pprl.errors import InputError, LimitExceeded
from transport.disclosure import release
from transport.generated import disclosure_pb2, runs_pb2
from transport.process import MatcherProcess

pytestmark = pytest.mark.e2e

MAX_PAIRS, MAX_PAYLOADS, SHARED = 10_000, 4, 93
CAUSES = "cause-"  # the source extract's values: never on stderr


def _finished(c, run_id: str) -> runs_pb2.RunStatus:
    return list(c.watch(run_id, timeout=180))[-1]


def _junk(run_id: str, agreement: str, records: int, size: int) -> disclosure_pb2.SealedPayload:
    """A payload with a correct clear header and bytes that are no seal at all."""
    return disclosure_pb2.SealedPayload(
        run_id=run_id, agreement_id=agreement, sender="MPS", recipient="MCA",
        fields=["death_date"], record_count=records, ephemeral_public_key=os.urandom(65),
        nonce=os.urandom(12), ciphertext=os.urandom(size), signature=os.urandom(64),
    )  # fmt: skip


def _receive(world, server, run_id, agreement, data, out):
    mca = world.parties["MCA"]
    return pprl(
        "receive", "--run", run_id, "--agreement", agreement, "--map", data / "MCA.map.parquet",
        "--out", out, "--server", server.target, "--cert", mca.cert, "--key", mca.key,
        "--ca", mca.ca,
    )  # fmt: skip


def test_relay_junk_and_unbounded_results(world, tmp_path, monkeypatch):
    limits = ("--max-result-pairs", str(MAX_PAIRS), "--max-disclosure-payloads", str(MAX_PAYLOADS))
    server = MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key)
    server.start(extra_args=limits)
    try:
        agreement = agreement_of(world, "MCA")
        a, b, _ = encoded_pair(tmp_path, "MCA", "MPS", 300, 200, SHARED, seed=4)
        with client(world, server, "MCA") as mca, client(world, server, "MPS") as mps:
            ds_a = mca.upload(a, agreement_id=agreement, dataset_name="junk-a").dataset_id
            ds_b = mps.upload(b, agreement_id=agreement, dataset_name="junk-b").dataset_id

            # Results: an absurd threshold is refused, and a run past the cap fails, saying why.
            with pytest.raises(InputError, match="below the matcher's minimum 0.3"):
                mca.create_run(agreement, ds_a, ds_b, threshold=1e-9, solver=runs_pb2.SOLVER_NONE)
            wide = mca.create_run(
                agreement, ds_a, ds_b, threshold=0.35, solver=runs_pb2.SOLVER_NONE,
                blocking=runs_pb2.BLOCKING_EXHAUSTIVE,
            )  # fmt: skip
            final = _finished(mca, wide.run_id)
            assert final.state == runs_pb2.FAILED
            assert final.message == (
                "run failed: more than 10,000 candidate pairs at threshold 0.35 (the limit); "
                "raise the threshold"
            )

            # Relay: junk declaring no records, or more bytes than its records, or one payload
            # too many, is refused.
            junk_run = mca.create_run(agreement, ds_a, ds_b, threshold=0.8).run_id
            assert _finished(mca, junk_run).matches == SHARED
            for _ in range(3):
                with pytest.raises(InputError, match="at least one record"):
                    mps.submit(_junk(junk_run, agreement, 0, 100))
            with pytest.raises(LimitExceeded, match="bytes per record"):
                mps.submit(_junk(junk_run, agreement, 1, 64 * 1024))
            for _ in range(MAX_PAYLOADS):
                mps.submit(_junk(junk_run, agreement, 1, 100))
            with pytest.raises(LimitExceeded, match=f"at most {MAX_PAYLOADS} sealed payloads"):
                mps.submit(_junk(junk_run, agreement, 1, 100))

            # Receive: a run with good payloads and a bad one gets the good ones.
            good_run = mca.create_run(agreement, ds_a, ds_b, threshold=0.8).run_id
            assert _finished(mca, good_run).matches == SHARED
            monkeypatch.setattr(transport.disclosure, "ROWS_PER_PAYLOAD", 40)
            released = release(
                mps, good_run, agreement, map_path=tmp_path / "MPS.map.parquet",
                source_path=tmp_path / "MPS.source.csv",
            )  # fmt: skip
        assert len(released.disclosure_ids) == 3  # 40 + 40 + 13 records
    finally:
        server.stop()
    # One payload damaged where it is kept (a bad provider or relay would do the same).
    stored = world.matcher_dir / "disclosures" / good_run / "MCA"
    damaged = stored / f"{released.disclosure_ids[0]}.bin"
    payload = disclosure_pb2.SealedPayload.FromString(damaged.read_bytes())
    payload.ciphertext = bytes([payload.ciphertext[0] ^ 1]) + payload.ciphertext[1:]
    damaged.write_bytes(payload.SerializeToString())

    server.start(extra_args=limits)
    try:
        out = tmp_path / "received.csv"
        result = _receive(world, server, good_run, agreement, tmp_path, out)
        line = one_line_error(
            result, 1, "1 of 3 payload(s) refused", f"{released.disclosure_ids[0]} (signature"
        )
        assert "53 disclosed records from 2 payload(s)" in result.stdout
        assert CAUSES not in result.stderr and CAUSES not in line
        rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        assert len(rows) == 53 and all(r["cause"].startswith(CAUSES) for r in rows)
        # The junk run: every payload refused, none received, and said so in one line.
        junk = _receive(world, server, junk_run, agreement, tmp_path, tmp_path / "junk.csv")
        one_line_error(junk, 1, f"{MAX_PAYLOADS} of {MAX_PAYLOADS} payload(s) refused")
        assert "0 disclosed records from 0 payload(s)" in junk.stdout
    finally:
        server.stop()

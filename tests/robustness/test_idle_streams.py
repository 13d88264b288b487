"""Item 1: idle upload streams from one department cannot freeze the matcher for the others."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from transport_world import agreement_of, client, encoded_pair

from pprl.errors import AuthorisationError
from transport.process import MatcherProcess

pytestmark = pytest.mark.e2e

PER_CALLER, STREAMS, WORKERS, IDLE_S = 4, 8, 16, 3.0
ATTACK = 16  # the review's attack: as many idle streams as the old server had workers


def _idle(stop: threading.Event):
    """A client stream that sends nothing until told to stop."""
    stop.wait()
    return
    yield  # a generator


def _code(future: grpc.Future) -> grpc.StatusCode:
    try:
        future.result()
        return grpc.StatusCode.OK
    except grpc.RpcError as exc:
        return exc.code()


def test_idle_streams_dos(world, tmp_path):
    limits = (
        "--max-streams-per-caller", str(PER_CALLER), "--max-streams", str(STREAMS),
        "--workers", str(WORKERS), "--stream-idle-seconds", str(IDLE_S),
    )  # fmt: skip
    stop = threading.Event()
    server = MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key)
    server.start(extra_args=limits)
    try:
        outsider = client(world, server, "OUTSIDER")  # registered, in no agreement
        opened = time.monotonic()
        streams = [outsider.uploads.Send.future(_idle(stop), timeout=60) for _ in range(ATTACK)]
        # All but the caller's maximum are refused at once.
        deadline = time.monotonic() + 10
        while sum(f.done() for f in streams) < ATTACK - PER_CALLER:
            assert time.monotonic() < deadline, "the excess streams were not refused"
            time.sleep(0.02)
        refused = [f for f in streams if f.done()]
        held = [f for f in streams if not f.done()]
        assert len(held) == PER_CALLER
        assert {_code(f) for f in refused} == {grpc.StatusCode.RESOURCE_EXHAUSTED}
        assert "per caller" in refused[0].exception().details()

        # Meanwhile another department is served, unary calls and streams alike.
        mca = client(world, server, "MCA")
        started = time.monotonic()
        with pytest.raises(AuthorisationError):
            mca.run_status("run-0123456789abcdef")
        assert time.monotonic() - started < 2.0
        a, _, _ = encoded_pair(tmp_path, "MCA", "MPS", 200, 100, 10, seed=9)
        started = time.monotonic()
        report = mca.upload(a, agreement_id=agreement_of(world, "MCA"), dataset_name="mca")
        assert report.record_count == 200 and time.monotonic() - started < 10.0

        # The held streams are closed once idle for IDLE_S seconds.
        for future in held:
            assert _code(future) == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "no message for 3 s" in future.exception().details()
        closed_after = time.monotonic() - opened
        assert IDLE_S - 0.5 <= closed_after < IDLE_S + 5.0, closed_after
        # ...which gives the caller its slots back.
        again = outsider.uploads.Send.future(_idle(stop), timeout=60)
        time.sleep(0.5)
        assert not again.done()
        again.cancel()
    finally:
        stop.set()
        server.stop()

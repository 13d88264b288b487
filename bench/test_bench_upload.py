"""Upload throughput to the matcher over mutual TLS on loopback (MB/s and records/s).

    /work/venv/bin/python -m pytest bench/test_bench_upload.py --benchmark-only -q

The matcher runs as its own process (`pprl serve`); the client signs the manifest, streams
SHA-256-checked chunks, and the matcher verifies every chunk, the whole stream, the Arrow
contents against the manifest and the signature before it commits the dataset. The time
covers all of that: from reading the Parquet file to the committed dataset.
"""

from __future__ import annotations

import secrets

import numpy as np
import pytest

from pprl.encoded import Manifest, build_table, content_hash, write_encoded
from transport.client import MatcherClient, encoded_ipc
from transport.process import MatcherProcess
from transport.provision import AgreementPlan, provision

RECORDS = (50_000, 200_000)
CHUNKS = (256 * 1024, 1024 * 1024, 4 * 1024 * 1024)


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-upload")
    plan = AgreementPlan(
        "CONSUMER", "PROVIDER", "registry", "Registry", ("x",), ("x",), "benchmark"
    )
    world = provision(root, {"CONSUMER": "Consumer", "PROVIDER": "Provider"}, [plan])
    with MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key) as proc:
        party = world.parties["CONSUMER"]
        with MatcherClient.connect(proc.target, cert=party.cert, key=party.key, ca=party.ca) as c:
            yield root, world.agreements["registry"], c


def _dataset(path, n: int) -> None:
    rng = np.random.default_rng(n)
    clks = rng.integers(0, 256, size=(n, 128), dtype=np.uint8)
    tokens = [secrets.token_hex(16) for _ in range(n)]
    keys = {
        "yob_sex": (rng.integers(0, 2**63, n).astype(np.uint64), np.ones(n, bool)),
        "region": (rng.integers(0, 2**63, n).astype(np.uint64), np.ones(n, bool)),
    }
    table = build_table(tokens, clks, keys)
    manifest = Manifest(
        "bench-fp", "bench-key", n, content_hash(table), tuple(keys), department="CONSUMER"
    )
    write_encoded(path, table, manifest)


@pytest.mark.parametrize("chunk", CHUNKS, ids=lambda c: f"chunk{c // 1024}k")
@pytest.mark.parametrize("records", RECORDS)
def test_bench_upload_mtls_loopback(benchmark, matcher, records, chunk):
    root, agreement, client = matcher
    path = root / f"ds{records}.parquet"
    if not path.exists():
        _dataset(path, records)

    def upload():
        return client.upload(
            path, agreement_id=agreement, dataset_name=f"bench{records}", chunk_bytes=chunk
        )

    report = benchmark.pedantic(upload, rounds=3, iterations=1, warmup_rounds=1)
    seconds = benchmark.stats.stats.mean
    benchmark.extra_info.update(
        records=records,
        chunk_bytes=chunk,
        wire_bytes=report.total_bytes,
        mb_per_second=round(report.total_bytes / seconds / 1e6, 1),
        records_per_second=round(records / seconds),
    )
    assert report.record_count == records


@pytest.mark.parametrize("records", RECORDS[-1:])
def test_bench_upload_stream_only(benchmark, matcher, records):
    """The wire part alone: Begin plus the chunk stream (each chunk hashed on both sides),
    without the commit's whole-file verification and Parquet write."""
    root, agreement, client = matcher
    path = root / f"ds{records}.parquet"
    if not path.exists():
        _dataset(path, records)
    raw, manifest = encoded_ipc(path, client.signer.private_key)

    def stream():
        state = client.begin_upload(raw, manifest, agreement, f"stream{records}")
        return client.uploads.Send(client.chunks(raw, state.upload_id, 0, 1024 * 1024))

    state = benchmark.pedantic(stream, rounds=3, iterations=1, warmup_rounds=1)
    seconds = benchmark.stats.stats.mean
    benchmark.extra_info.update(
        records=records,
        wire_bytes=len(raw),
        mb_per_second=round(len(raw) / seconds / 1e6, 1),
        records_per_second=round(records / seconds),
    )
    assert state.complete

"""Helpers and fixtures for the transport tests: a provisioned matcher, its server process."""

from __future__ import annotations

import secrets
from pathlib import Path

import grpc
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from governance import pki
from pprl.encoded import Manifest, build_table, content_hash, write_encoded
from transport.client import MatcherClient
from transport.process import MatcherProcess
from transport.provision import AgreementPlan, provision

DEPARTMENTS = {
    "MCA": "Civil affairs",
    "MPS": "Public security",
    "HRSS": "Human resources and social security",
    "HOUSING": "Housing",
    "HEALTH": "Health",
    "MEDINS": "Medical insurance",
    "EDU": "Education",
    "TAX": "Tax",
    "OUTSIDER": "A department with no agreement",
    "LEAVER": "A department whose certificate gets revoked",
}
PAIRS = [("MCA", "MPS"), ("HRSS", "HOUSING"), ("HEALTH", "MEDINS"), ("EDU", "TAX")]


def plan(consumer: str, provider: str) -> AgreementPlan:
    return AgreementPlan(
        consumer=consumer,
        provider=provider,
        entry_id=f"{provider.lower()}-registry",
        entry_name=f"{provider} registry",
        fields=("death_date", "cause", "name"),
        disclose_fields=("death_date", "cause"),
        purpose="find assistance recipients who have died",
    )


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    return provision(root, DEPARTMENTS, [plan(c, p) for c, p in PAIRS])


def agreement_of(world, consumer: str) -> str:
    provider = dict(PAIRS)[consumer]
    return world.agreements[f"{provider.lower()}-registry"]


def encoded_pair(
    out: Path,
    dept_a: str,
    dept_b: str,
    n_a: int,
    n_b: int,
    shared: int,
    seed: int,
    key_id: str = "key-id-test",
):
    """Two encoded datasets where `shared` rows of B are A's rows with ~2% of bits flipped.

    Filters are random (half the bits set), so unrelated records score about 0.5 and the
    shared ones about 0.98: the true matches are known exactly.
    """
    rng = np.random.default_rng(seed)
    clk_a = rng.integers(0, 256, size=(n_a, 128), dtype=np.uint8)
    clk_b = rng.integers(0, 256, size=(n_b, 128), dtype=np.uint8)
    pick = rng.choice(n_a, size=shared, replace=False)
    flips = np.packbits(rng.random((shared, 1024)) < 0.02, axis=1)
    clk_b[:shared] = clk_a[pick] ^ flips
    yob_a = rng.integers(1940, 2000, n_a).astype(np.uint64)
    yob_b = rng.integers(1940, 2000, n_b).astype(np.uint64)
    yob_b[:shared] = yob_a[pick]
    paths = []
    for dept, clks, yob in ((dept_a, clk_a, yob_a), (dept_b, clk_b, yob_b)):
        tokens = [secrets.token_hex(16) for _ in range(len(clks))]
        ids = [f"{dept}-{i:06d}" for i in range(len(clks))]
        pq.write_table(
            pa.table(
                {"record_token": tokens, "source_row": list(range(len(clks))), "record_id": ids}
            ),
            out / f"{dept}.map.parquet",
        )
        pacsv.write_csv(
            pa.table(
                {
                    "record_id": ids,
                    "death_date": [f"2025-01-{1 + i % 28:02d}" for i in range(len(clks))],
                    "cause": [f"cause-{i}" for i in range(len(clks))],
                    "name": [f"secret-name-{i}" for i in range(len(clks))],
                }
            ),
            out / f"{dept}.source.csv",
        )
        table = build_table(tokens, clks, {"yob": (yob, np.ones(len(yob), bool))})
        manifest = Manifest(
            "schema-fp-test",
            key_id,
            len(tokens),
            content_hash(table),
            ("yob",),
            department=dept,
        )
        path = out / f"{dept}.parquet"
        write_encoded(path, table, manifest)
        paths.append(path)
    true_pairs = {(int(a), int(b)) for b, a in enumerate(pick)}
    return paths[0], paths[1], true_pairs


@pytest.fixture(scope="module")
def server(world):
    with MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key) as proc:
        yield proc


def client(world, server, department: str) -> MatcherClient:
    party = world.parties[department]
    crl = world.ca_dir / pki.CA_CRL  # the office's current revocation list
    return MatcherClient.connect(
        server.target, cert=party.cert, key=party.key, ca=party.ca, crl=crl
    )


def raw_channel(server, *, cert: bytes | None, key: bytes | None, ca: bytes) -> grpc.Channel:
    creds = grpc.ssl_channel_credentials(
        root_certificates=ca, private_key=key, certificate_chain=cert
    )
    return grpc.secure_channel(server.target, creds)

"""Pure parts of the transport: sealing, party views, byte chunks, generated code freshness."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance import pki
from pprl.errors import AuthorisationError, IntegrityError
from transport import codegen
from transport.results import byte_chunks, ipc_bytes, party_view, read_ipc, side_of
from transport.sealing import Sealed, SealHeader, open_sealed, seal


@pytest.fixture(scope="module")
def parties(tmp_path_factory):
    root = tmp_path_factory.mktemp("pki")
    pki.init_ca(root / "ca", "Office", b"pass")
    out = {}
    for code in ("PROV", "CONS", "OTHER"):
        issued = pki.issue(root / "ca", code, code, root, ca_passphrase=b"pass")
        out[code] = pki.Signer.load(issued.certificate_path, issued.key_path, None)
    return out


HEADER = SealHeader("run-0123456789abcdef", "AG-1", "PROV", "CONS", ("death_date",), 2)


def test_sealed_payload_opens_only_for_the_recipient_and_only_unaltered(parties):
    prov, cons, other = parties["PROV"], parties["CONS"], parties["OTHER"]
    secret = b'{"rows": [[0, {"death_date": "2024-01-02"}]]}'
    sealed = seal(secret, HEADER, cons.certificate, prov.private_key)
    assert secret not in sealed.ciphertext
    assert open_sealed(sealed, cons.private_key, prov.certificate) == secret
    with pytest.raises(IntegrityError):
        open_sealed(sealed, other.private_key, prov.certificate)
    with pytest.raises(IntegrityError):  # the relay cannot claim another sender
        open_sealed(sealed, cons.private_key, other.certificate)
    flipped = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]
    with pytest.raises(IntegrityError):
        open_sealed(
            Sealed(
                sealed.header, sealed.ephemeral_public_key, sealed.nonce, flipped, sealed.signature
            ),
            cons.private_key,
            prov.certificate,
        )
    readdressed = SealHeader(HEADER.run_id, HEADER.agreement_id, "PROV", "OTHER", HEADER.fields, 2)
    with pytest.raises(IntegrityError):
        open_sealed(
            Sealed(
                readdressed,
                sealed.ephemeral_public_key,
                sealed.nonce,
                sealed.ciphertext,
                sealed.signature,
            ),
            cons.private_key,
            prov.certificate,
        )


RESULT = pa.table(
    {
        "match_id": pa.array([0, 1], pa.uint32()),
        "token_a": ["a0", "a1"],
        "token_b": ["b0", "b1"],
        "score": [0.99, 0.91],
    }
)


def test_each_party_sees_its_own_tokens_never_the_counterparts():
    view_a = party_view(RESULT, "a")
    assert view_a.column_names == ["match_id", "own_token", "score", "probability"]
    assert view_a.column("own_token").to_pylist() == ["a0", "a1"]
    assert view_a.column("probability").null_count == 2  # a result written before it existed
    view_b = party_view(RESULT, "b")
    assert view_b.column("own_token").to_pylist() == ["b0", "b1"]
    assert "b0" not in str(view_a.to_pydict()) and "a0" not in str(view_b.to_pydict())
    assert side_of("X", "X", "Y") == "a" and side_of("Y", "X", "Y") == "b"
    with pytest.raises(AuthorisationError):
        side_of("Z", "X", "Y")
    with_probability = RESULT.append_column("probability", pa.array([0.999, 0.42]))
    assert party_view(with_probability, "b").column("probability").to_pylist() == [0.999, 0.42]


@given(st.binary(max_size=5000), st.integers(1, 700))
def test_byte_chunks_reassemble(raw, size):
    pieces = list(byte_chunks(raw, size))
    assert b"".join(pieces) == raw and pieces and all(len(p) <= size for p in pieces)


def test_ipc_round_trip():
    assert read_ipc(ipc_bytes(RESULT)).equals(RESULT)


def test_generated_code_is_what_codegen_makes(tmp_path, monkeypatch):
    pytest.importorskip("grpc_tools")
    copy = tmp_path / "transport"
    shutil.copytree(codegen.HERE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, str(copy / "codegen.py")], check=True, capture_output=True)
    names = sorted(p.name for p in codegen.GENERATED.glob("*_pb2*"))
    assert names, "no generated modules"
    match, mismatch, errors = filecmp.cmpfiles(
        codegen.GENERATED, copy / "generated", names, shallow=False
    )
    assert mismatch == [] and errors == [], "run `python -m transport.codegen` and commit"


def test_the_matcher_process_never_loads_key_holder_code():
    """The server, its servicers and the run worker import nothing from `bloom`."""
    code = (
        "import sys, transport.server, transport.servicers, transport.run_worker, linkage\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'bloom')) or 'none')"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "none"

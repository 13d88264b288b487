"""One sealing scheme, two purposes: a wrapped secret never opens as a disclosure, nor back."""

from __future__ import annotations

import base64
import json

import pytest

from governance import keywrap
from pprl import sealing
from pprl.errors import InputError, IntegrityError
from transport.sealing import SealHeader
from transport.sealing import seal as seal_disclosure

AAD = b'{"run_id":"run-0123456789abcdef"}'
PLAINTEXT = b"thirty-two bytes of key material"


def test_each_purpose_opens_only_its_own_boxes(world):
    mps = world.signers["MPS"]
    for made, other in [
        (sealing.Purpose.SECRET_WRAP, sealing.Purpose.DISCLOSURE),
        (sealing.Purpose.DISCLOSURE, sealing.Purpose.SECRET_WRAP),
    ]:
        box = sealing.seal(mps.certificate.public_key(), PLAINTEXT, AAD, made)
        assert sealing.unseal(mps.private_key, box, AAD, made) == PLAINTEXT
        with pytest.raises(IntegrityError, match=f"^{sealing.CANNOT_OPEN}$"):
            sealing.unseal(mps.private_key, box, AAD, other)


def test_a_wrapped_secret_cannot_be_opened_as_a_disclosure(world):
    mps = world.signers["MPS"]
    doc = json.loads(keywrap.wrap(PLAINTEXT, "0" * 32, mps.certificate))
    header = {k: doc[k] for k in keywrap._HEADER_FIELDS}
    aad = keywrap._aad(header)
    box = sealing.SealedBox(
        *(base64.b64decode(doc[k]) for k in ("ephemeral", "nonce", "ciphertext"))
    )
    assert sealing.unseal(mps.private_key, box, aad, sealing.Purpose.SECRET_WRAP) == PLAINTEXT
    with pytest.raises(IntegrityError):
        sealing.unseal(mps.private_key, box, aad, sealing.Purpose.DISCLOSURE)


def test_a_disclosure_cannot_be_unwrapped_as_a_secret(world):
    mca, mps = world.signers["MCA"], world.signers["MPS"]
    header = SealHeader("run-0123456789abcdef", "AG-1", "MPS", "MCA", ("death_date",), 1)
    sealed = seal_disclosure(PLAINTEXT, header, mca.certificate, mps.private_key)
    box = sealing.SealedBox(sealed.ephemeral_public_key, sealed.nonce, sealed.ciphertext)
    aad = header.associated_data()
    assert sealing.unseal(mca.private_key, box, aad, sealing.Purpose.DISCLOSURE) == PLAINTEXT
    with pytest.raises(IntegrityError):
        sealing.unseal(mca.private_key, box, aad, sealing.Purpose.SECRET_WRAP)


def test_the_associated_data_is_bound(world):
    mps = world.signers["MPS"]
    box = sealing.seal(mps.certificate.public_key(), PLAINTEXT, AAD, sealing.Purpose.DISCLOSURE)
    with pytest.raises(IntegrityError):
        sealing.unseal(mps.private_key, box, AAD + b" ", sealing.Purpose.DISCLOSURE)


def test_only_p256_keys_are_recipients():
    from cryptography.hazmat.primitives.asymmetric import ec

    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(InputError, match="P-256"):
        sealing.seal(p384, PLAINTEXT, AAD, sealing.Purpose.DISCLOSURE)

"""Certificates: issue, identity, key protection, revocation, refusal of foreign ones."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from governance import pki
from pprl.errors import AuthorisationError, GovernanceError, IntegrityError, PprlError

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)  # the fixtures' clock start
CA_PASS = b"ca passphrase for tests"


def _ca(world):
    return pki.load_certificate(world.ca_dir / pki.CA_CERT)


def test_department_certificate_carries_identity_and_usages(world):
    assert (world.t0, world.ca_pass) == (T0, CA_PASS)
    cert = world.signers["MCA"].certificate
    ident = pki.verify_certificate(cert, _ca(world), pki.load_crl(world.ca_dir / "ca.crl"), T0)
    assert (ident.department, ident.role) == ("MCA", pki.Role.DEPARTMENT)
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "MCA"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "pprl:dept:MCA" in san.get_values_for_type(x509.UniformResourceIdentifier)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH} <= set(eku)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_agreement and not usage.key_cert_sign
    assert stat.S_IMODE(world.issued["MCA"].key_path.stat().st_mode) == 0o600


def test_ca_key_is_encrypted_and_private(world):
    key_path = world.ca_dir / pki.CA_KEY
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(PprlError):
        pki.load_private_key(key_path, None)


def test_server_certificate_names_loopback(world):
    issued = pki.issue(
        world.ca_dir,
        "MATCHER",
        "matcher",
        world.tmp / "srv",
        None,
        ca_passphrase=CA_PASS,
        role=pki.Role.MATCHER,
        hosts=("localhost", "127.0.0.1"),
        now=T0,
    )
    cert = pki.load_certificate(issued.certificate_path)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert pki.identity_of(cert).role is pki.Role.MATCHER


def test_encrypted_key_needs_its_passphrase(world):
    issued = pki.issue(
        world.ca_dir,
        "MOF",
        "财政厅",
        world.tmp / "enc",
        b"dept pass",
        ca_passphrase=CA_PASS,
        now=T0,
    )
    assert b"ENCRYPTED" in issued.key_path.read_bytes()
    with pytest.raises(GovernanceError, match="cannot open private key"):
        pki.load_private_key(issued.key_path, b"wrong")
    with pytest.raises(GovernanceError, match="cannot open private key"):
        pki.load_private_key(issued.key_path, None)
    key = pki.load_private_key(issued.key_path, b"dept pass")
    assert (
        key.public_key().public_numbers()
        == pki.load_certificate(issued.certificate_path).public_key().public_numbers()
    )


def test_wrong_ca_passphrase_issues_nothing(world):
    with pytest.raises(GovernanceError):
        pki.issue(world.ca_dir, "MOF", "财政厅", world.tmp / "x", None, ca_passphrase=b"no", now=T0)
    assert not (world.tmp / "x" / "MOF.key").exists()
    assert "MOF" not in [e["department"] for e in pki.issued(world.ca_dir)]


def test_issue_refuses_to_overwrite_and_bad_codes(world):
    with pytest.raises(GovernanceError, match="already exists"):
        world.issue("MCA")
    with pytest.raises(Exception, match="invalid department code"):
        pki.issue(world.ca_dir, "bad code!", "x", world.tmp, None, ca_passphrase=CA_PASS, now=T0)


def test_revoked_certificate_is_refused(world):
    cert = world.signers["MPS"].certificate
    crl_path = pki.revoke(world.ca_dir, "MPS", ca_passphrase=CA_PASS, now=T0)
    crl = pki.load_crl(crl_path)
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    with pytest.raises(AuthorisationError, match="^permission denied$"):
        pki.verify_certificate(cert, _ca(world), crl, T0)
    # others still pass
    pki.verify_certificate(world.signers["MCA"].certificate, _ca(world), crl, T0)
    with pytest.raises(GovernanceError, match="no unrevoked certificate"):
        pki.revoke(world.ca_dir, "MPS", ca_passphrase=CA_PASS, now=T0)


def test_foreign_and_expired_certificates_are_refused(world, tmp_path):
    other = tmp_path / "other-ca"
    pki.init_ca(other, "Impostor", b"x", now=T0)
    forged = pki.issue(
        other, "MCA", "民政厅", tmp_path / "forged", None, ca_passphrase=b"x", now=T0
    )
    with pytest.raises(AuthorisationError, match="^permission denied$"):
        pki.verify_certificate(pki.load_certificate(forged.certificate_path), _ca(world), None, T0)
    later = T0 + dt.timedelta(days=398)
    with pytest.raises(AuthorisationError, match="^permission denied$"):
        pki.verify_certificate(world.signers["MCA"].certificate, _ca(world), None, later)
    # a CRL signed by another CA is not believed
    foreign_crl = pki.load_crl(other / "ca.crl")
    with pytest.raises(AuthorisationError):
        pki.verify_certificate(world.signers["MCA"].certificate, _ca(world), foreign_crl, T0)


def test_signatures_verify_only_for_the_signer(world):
    sig = world.signers["MCA"].sign(b"manifest")
    pki.verify_signature(world.signers["MCA"].certificate, b"manifest", sig)
    with pytest.raises(IntegrityError, match="^signature does not verify$"):
        pki.verify_signature(world.signers["MPS"].certificate, b"manifest", sig)
    with pytest.raises(IntegrityError):
        pki.verify_signature(world.signers["MCA"].certificate, b"manifest!", sig)


def test_store_identifies_registered_certificates_only(world):
    store = world.store
    assert store.identify(world.signers["MCA"].certificate).department == "MCA"
    unregistered = world.issue("MOF", register=False)
    with pytest.raises(AuthorisationError):
        store.identify(unregistered.certificate)
    # a re-issued certificate replaces the old one: the old one no longer identifies
    old = world.signers["MCA"].certificate
    (world.issued["MCA"].certificate_path).unlink()
    (world.issued["MCA"].key_path).unlink()
    world.issue("MCA")
    with pytest.raises(AuthorisationError):
        store.identify(old)
    store.update_crl(pki.revoke(world.ca_dir, "MPS", ca_passphrase=CA_PASS, now=T0).read_bytes())
    with pytest.raises(AuthorisationError):
        store.identify(world.signers["MPS"].certificate)


def test_store_refuses_a_second_ca_and_foreign_crl(world, tmp_path):
    other = tmp_path / "other-ca"
    pki.init_ca(other, "Impostor", b"x", now=T0)
    with pytest.raises(GovernanceError, match="different CA"):
        world.store.trust((other / "ca.crt").read_bytes())
    with pytest.raises(IntegrityError):
        world.store.update_crl((other / "ca.crl").read_bytes())


def test_store_refuses_an_older_crl(world):
    old = (world.ca_dir / "ca.crl").read_bytes()
    later = T0 + dt.timedelta(hours=1)
    new = pki.revoke(world.ca_dir, "MPS", ca_passphrase=CA_PASS, now=later).read_bytes()
    world.store.update_crl(new)
    with pytest.raises(IntegrityError, match="older"):
        world.store.update_crl(old)  # replaying the old list would un-revoke MPS
    with pytest.raises(AuthorisationError):
        world.store.identify(world.signers["MPS"].certificate)


def test_issue_from_a_department_request(world, tmp_path):
    dept = tmp_path / "mof-endpoint"
    request = pki.create_request("MOF", "财政厅", dept, b"dept pass")
    issued = pki.issue_from_request(
        world.ca_dir, request.request_path, "MOF", tmp_path / "office-out",
        ca_passphrase=CA_PASS, now=T0,
    )  # fmt: skip
    assert issued.key_path is None and not (tmp_path / "office-out" / "MOF.key").exists()
    signer = pki.Signer.load(issued.certificate_path, request.key_path, b"dept pass")
    ident = world.store.register_department(signer.certificate_pem)
    assert (ident.department, ident.name) == ("MOF", "财政厅")
    assert world.store.identify(signer.certificate).department == "MOF"


def test_request_for_another_department_or_curve_is_refused(world, tmp_path):
    request = pki.create_request("MOF", "财政厅", tmp_path / "mof", None)
    with pytest.raises(GovernanceError, match="not for department MCA"):
        pki.issue_from_request(
            world.ca_dir, request.request_path, "MCA", tmp_path / "o", ca_passphrase=CA_PASS
        )
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "MOF")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    other = tmp_path / "p384.csr"
    other.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(GovernanceError, match="P-256"):
        pki.issue_from_request(world.ca_dir, other, "MOF", tmp_path / "o", ca_passphrase=CA_PASS)
    assert not (tmp_path / "o" / "MOF.crt").exists()

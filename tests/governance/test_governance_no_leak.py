"""The matcher's data directory never holds the linkage secret or plaintext identity fields.

A whole governance round runs through the CLI with the matcher's data directory as the
relay: the CA and certificates, catalogue, a conditional agreement, the secret wrapped to two
departments and relayed, both departments collecting it, audit entries with counts, the
office's anchor. Then every file under the data directory is searched for the secret (raw,
hex, base64) and for the names and ID numbers the departments hold. The search itself is
checked on a planted file so that a silent search cannot pass the test. Finally the matcher
tries to open every wrapped secret it relays with every private key under its data directory,
knowing every passphrase: none opens, while the department's own key does.
"""

from __future__ import annotations

import base64
from pathlib import Path

from click.testing import CliRunner

from bloom.secret import LinkageSecret
from governance import keywrap, pki
from governance.store import GovernanceStore
from pprl.errors import PprlError
from pprl_app.cli import main

ENV = {
    "PPRL_CA_PASSPHRASE": "ca passphrase",
    "PPRL_KEY_PASSPHRASE": "key passphrase",
    "PPRL_PASSPHRASE": "secret passphrase",
}
PEOPLE = [
    ("张伟", "110101199003071234"),
    ("阿依古丽·买买提", "650102198512240027"),
    ("欧阳建国", "33010619620815441X"),
]


def _forms(secret: bytes) -> dict[str, bytes]:
    return {
        "raw": secret,
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "base64": base64.b64encode(secret),
        "base64 (unpadded)": base64.b64encode(secret).rstrip(b"="),
        "urlsafe base64": base64.urlsafe_b64encode(secret).rstrip(b"="),
    }


def _needles(secret: bytes) -> dict[str, bytes]:
    needles = {f"secret {k}": v for k, v in _forms(secret).items()}
    for name, id_number in PEOPLE:
        needles[f"name {name}"] = name.encode("utf-8")
        needles[f"name {name} (utf-16)"] = name.encode("utf-16-le")
        needles[f"id {id_number}"] = id_number.encode("ascii")
    return needles


def _search(root: Path, needles: dict[str, bytes]) -> list[str]:
    found = []
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        found += [f"{path.relative_to(root)}: {label}" for label, n in needles.items() if n in data]
    return found


def _unwrappable(data: Path, blobs: list[bytes]) -> list[str]:
    """Which relayed blobs the matcher could open with a key it holds (all passphrases known)."""
    opened = []
    for key_path in data.rglob("*.key"):
        for cert_path in data.rglob("*.crt"):
            for passphrase in (None, *(v.encode() for v in ENV.values())):
                try:
                    signer = pki.Signer.load(cert_path, key_path, passphrase)
                except PprlError:
                    continue
                for n, blob in enumerate(blobs):
                    try:
                        keywrap.unwrap(blob, signer)
                        opened.append(f"blob {n} with {key_path.relative_to(data)}")
                    except PprlError:
                        pass
    return opened


def test_matcher_data_dir_holds_no_secret_or_plaintext(tmp_path: Path):
    runner = CliRunner(env={**ENV, "PPRL_CA_DIR": str(tmp_path / "office-ca")})
    data = tmp_path / "matcher-data"
    certs = tmp_path / "party-keys"  # each party's certificate and key, off the matcher

    printed: list[str] = []  # everything any command wrote to stdout or stderr

    def pprl(*args: str) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == 0, result.output
        printed.append(result.output)
        return result.stdout

    def signer(code: str) -> list[str]:
        return ["--cert", str(certs / f"{code}.crt"), "--key", str(certs / f"{code}.key")]

    d = ["--data-dir", str(data)]
    out = ["--out", str(certs)]
    pprl("pki", "init", *d, "--name", "Provincial Big Data Office", *out)
    pprl("pki", "issue", *d, "--department", "MATCHER", "--name", "matcher", "--role", "matcher")
    for code in ("MCA", "MPS", "MOHRSS"):
        pprl("pki", "issue", *d, "--department", code, "--name", f"{code} 厅", *out)
    pprl(
        "catalog", "add", *d, *signer("MPS"), "--id", "MPS-DEATHS", "--category", "人口信息",
        "--name", "死亡人口信息", "--provider", "MPS", "--format", "parquet",
        "--field", "name", "--field", "id_number", "--field", "death_date",
        "--update-cycle", "monthly", "--sharing-type", "conditional", "--scope", "province",
        "--method", "interface", "--source-system", "hukou", "--security-level", "important",
    )  # fmt: skip
    ag = pprl(
        "agreement", "apply", *d, *signer("MCA"), "--provider", "MPS", "--entry", "MPS-DEATHS",
        "--purpose", "dibao eligibility review", "--scenario", "low-income vs deaths",
        "--scope", "330000", "--disclose", "death_date",
        "--valid-from", "2026-01-01", "--valid-until", "2099-01-01",
    ).strip()  # fmt: skip
    pprl("agreement", "approve", *d, *signer("OFFICE"), ag)
    pprl("agreement", "approve", *d, *signer("MPS"), ag)

    # The consumer department holds the plaintext and the secret, outside the data directory.
    mca = tmp_path / "mca-endpoint"
    mca.mkdir()
    (mca / "low_income.csv").write_text(
        "record_id,name,id_number\n"
        + "".join(f"R{i},{n},{i_}\n" for i, (n, i_) in enumerate(PEOPLE)),
        encoding="utf-8",
    )
    key_id = pprl("keys", "new", "--out", str(mca / "linkage.key")).strip()
    pprl(
        "keys", "share", *d, "--secret", str(mca / "linkage.key"), "--relay",
        "--to", str(certs / "MPS.crt"), "--to", str(certs / "MOHRSS.crt"),
    )  # fmt: skip
    for code in ("MPS", "MOHRSS"):
        endpoint = tmp_path / f"{code}-endpoint"
        endpoint.mkdir()
        got = pprl("keys", "receive", *d, *signer(code), "--out", str(endpoint / "linkage.key"))
        assert got.strip() == key_id

    # What the matcher logs about the run: counts and identifiers only.
    with GovernanceStore(data / "governance.sqlite") as store:
        store.authorise("MCA", "upload", ag)
        store.audit("MCA", "upload", ag, {"records": len(PEOPLE), "key_id": key_id})
        store.audit("MPS", "upload", ag, {"records": 2, "key_id": key_id})
        store.audit("MCA", "run", ag, {"pairs": 1, "threshold": 0.8})
    pprl("audit", "anchor", *d, *signer("OFFICE"))
    assert "audit log verifies" in pprl("audit", "verify", *d)
    pprl("audit", "show", *d)
    pprl("agreement", "show", *d, ag)
    shown = "\n".join(printed)

    secret = LinkageSecret.load(mca / "linkage.key", ENV["PPRL_PASSPHRASE"].encode()).expose()
    needles = _needles(secret)
    assert _search(data, needles) == []
    assert not any(n.decode("ascii") in shown for n in _forms(secret).values() if n.isascii())
    assert not any(id_number in shown for _, id_number in PEOPLE)
    assert not any(name in shown for name, _ in PEOPLE)
    assert key_id in shown  # the key id, a commitment, is what the log carries

    # The search does find each form when it is there.
    planted = tmp_path / "planted"
    planted.mkdir()
    for label, needle in needles.items():
        (planted / f"{len(label)}-{abs(hash(label))}.bin").write_bytes(b"xx" + needle + b"yy")
    assert len(_search(planted, needles)) >= len(needles)
    assert len(_search(mca, needles)) >= 2 * len(PEOPLE)  # the endpoint does hold plaintext

    # Nothing the matcher holds opens a relayed secret; the recipient's own key does.
    with GovernanceStore(data / "governance.sqlite") as store:
        blobs = [b for code in ("MPS", "MOHRSS") for _, b in store.wrapped_secrets(code)]
    blobs += [p.read_bytes() for p in data.rglob("*.wrapped")]
    assert len(blobs) == 4 and (data / "certs" / "MATCHER.key").exists()
    assert _unwrappable(data, blobs) == []
    assert len(_unwrappable(certs, blobs)) == 4  # each blob opens with its recipient's key

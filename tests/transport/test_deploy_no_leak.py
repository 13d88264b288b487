"""The matcher's machine never holds the linkage secret or plaintext identity fields.

A governance round over the network, every party in its own directory: certificates,
catalogue, a conditional agreement, the secret wrapped to two departments and relayed, both
collecting it, the office's anchor. Then every file on the matcher's side is searched for the
secret (raw, hex, base64) and for the names and ID numbers the consumer holds; the search is
checked on a planted file so that a silent search cannot pass. Finally the matcher tries to
open every wrapped secret it relays with every private key on its side, knowing every
passphrase: none opens, while the recipients' own keys do.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from deploy_world import Deployment, passphrase

from bloom.secret import LinkageSecret
from governance import keywrap, pki
from governance.store import GovernanceStore
from pprl.errors import PprlError

pytestmark = pytest.mark.e2e

PEOPLE = [
    ("张伟", "110101199003071234"),
    ("阿依古丽·买买提", "650102198512240027"),
    ("欧阳建国", "33010619620815441X"),
]
PARTIES = ("MCA", "MPS", "MOHRSS")


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
    for path in [p for p in root.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        found += [f"{path.relative_to(root)}: {label}" for label, n in needles.items() if n in data]
    return found


def _unwrappable(root: Path, blobs: list[bytes], passphrases: list[bytes]) -> list[str]:
    opened = []
    for key_path in root.rglob("*.key"):
        for cert_path in root.rglob("*.crt"):
            for secret in (None, *passphrases):
                try:
                    signer = pki.Signer.load(cert_path, key_path, secret)
                except PprlError:
                    continue
                for n, blob in enumerate(blobs):
                    try:
                        keywrap.unwrap(blob, signer)
                        opened.append(f"blob {n} with {key_path.relative_to(root)}")
                    except PprlError:
                        pass
    return opened


def test_the_matcher_side_holds_no_secret_or_plaintext(tmp_path):
    world = Deployment(tmp_path, PARTIES).set_up()
    printed: list[str] = []

    def pprl(party, *args):
        result = world.pprl(party, *args)
        printed.append(result.output)
        return result.stdout

    try:
        pprl(
            "MPS", "catalog", "add", "--id", "MPS-DEATHS", "--category", "人口信息",
            "--name", "死亡人口信息", "--provider", "MPS", "--format", "parquet",
            "--field", "name", "--field", "id_number", "--field", "death_date",
            "--update-cycle", "monthly", "--sharing-type", "conditional", "--scope", "province",
            "--method", "interface", "--source-system", "hukou", "--security-level", "important",
        )  # fmt: skip
        ag = pprl(
            "MCA", "agreement", "apply", "--provider", "MPS", "--entry", "MPS-DEATHS",
            "--purpose", "dibao eligibility review", "--scenario", "low-income vs deaths",
            "--scope", "330000", "--disclose", "death_date",
            "--valid-from", "2026-01-01", "--valid-until", "2099-01-01",
        ).strip()  # fmt: skip
        pprl("OFFICE", "agreement", "approve", ag)
        pprl("MPS", "agreement", "approve", ag)
        mca = world.home("MCA")
        (mca / "low_income.csv").write_text(
            "record_id,name,id_number\n"
            + "".join(f"R{i},{n},{i_}\n" for i, (n, i_) in enumerate(PEOPLE)),
            encoding="utf-8",
        )
        key_id = pprl("MCA", "keys", "new", "--out", str(mca / "linkage.secret")).strip()
        to = [world.send(world.cert(c), "MCA", f"to/{c}.crt") for c in ("MPS", "MOHRSS")]
        pprl(
            "MCA", "keys", "share", "--secret", str(mca / "linkage.secret"), "--relay",
            "--to", str(to[0]), "--to", str(to[1]), "--out", str(mca / "wrapped"),
        )  # fmt: skip
        for code in ("MPS", "MOHRSS"):
            got = pprl(code, "keys", "receive", "--out", str(world.home(code) / "linkage.secret"))
            assert got.strip() == key_id
        pprl("OFFICE", "audit", "anchor")
        pprl("MCA", "audit", "show")
        pprl("MCA", "agreement", "show", ag)
    finally:
        world.stop()
    shown = "\n".join(printed)
    secret = LinkageSecret.load(mca / "linkage.secret", b"mca-secret-pass").expose()
    needles = _needles(secret)
    assert _search(world.matcher, needles) == []
    assert not any(n.decode("ascii") in shown for n in _forms(secret).values() if n.isascii())
    assert not any(i in shown for _, i in PEOPLE) and not any(n in shown for n, _ in PEOPLE)
    assert key_id in shown  # the key id, a commitment, is what the log carries

    planted = tmp_path / "planted"
    planted.mkdir()
    for label, needle in needles.items():
        (planted / f"{len(label)}-{abs(hash(label))}.bin").write_bytes(b"xx" + needle + b"yy")
    assert len(_search(planted, needles)) >= len(needles)
    assert len(_search(mca, needles)) >= 2 * len(PEOPLE)  # the endpoint does hold plaintext

    with GovernanceStore(world.data / "governance.sqlite") as store:
        blobs = [b for code in ("MPS", "MOHRSS") for _, b in store.wrapped_secrets(code)]
    assert len(blobs) == 2
    everyone = [passphrase(p).encode() for p in ("MATCHER", "OFFICE", *PARTIES)]
    assert _unwrappable(world.matcher, blobs, everyone) == []
    recipients = sum(len(_unwrappable(world.home(c), blobs, everyone)) for c in ("MPS", "MOHRSS"))
    assert recipients == 2  # each blob opens with its recipient's own key

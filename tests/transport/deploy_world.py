"""Every party on its own "machine": a directory each, the `pprl` commands, gRPC in between.

    office/      the CA (office/ca) and the office's own key
    matcher/     the matcher's key and its data directory (matcher/data): nothing else
    MCA/, MPS/…  each department's key, its CA copy, CRL, profile directory and data

Parties exchange only public files (CSRs, certificates, the CA certificate and CRL), copied
by `send`, and gRPC calls. `Deployment.pprl(party, ...)` runs one command as that party, in its
own environment (its passphrases, its profile); for every party but the matcher it fails the
test if an argument names the matcher's directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from pprl_app.cli import main
from transport.process import MatcherProcess

CA_PASS = "ca-pass"


def passphrase(party: str) -> str:
    return f"{party.lower()}-key-pass"


@dataclass
class Deployment:
    root: Path
    departments: tuple[str, ...]
    server: MatcherProcess | None = None
    issued: dict[str, Path] = field(default_factory=dict)

    @property
    def office(self) -> Path:
        return self.root / "office"

    @property
    def matcher(self) -> Path:
        return self.root / "matcher"

    @property
    def data(self) -> Path:
        return self.matcher / "data"

    def home(self, party: str) -> Path:
        return {"OFFICE": self.office, "MATCHER": self.matcher}.get(party, self.root / party)

    def env(self, party: str) -> dict[str, str | None]:
        env: dict[str, str | None] = {
            "PPRL_KEY_PASSPHRASE": passphrase(party),
            "PPRL_PASSPHRASE": f"{party.lower()}-secret-pass",
            "PPRL_PROFILE_DIR": str(self.home(party) / "profiles"),
            "PPRL_PROFILE": party.lower() if party != "MATCHER" else None,
            "PPRL_CA_PASSPHRASE": CA_PASS if party == "OFFICE" else None,
            "PPRL_CA_DIR": str(self.office / "ca") if party == "OFFICE" else None,
        }
        for name in ("PPRL_SERVER", "PPRL_CERT", "PPRL_KEY", "PPRL_CA", "PPRL_CRL"):
            env[name] = None
        return env

    def _check_args(self, party: str, args) -> None:
        if party != "MATCHER":
            matcher = str(self.matcher.resolve())
            assert not any(matcher in str(Path(a).resolve()) for a in args if "/" in a), args

    def pprl(self, party: str, *args: str, ok: bool = True, env: dict | None = None):
        self._check_args(party, args)
        result = CliRunner().invoke(main, list(args), env={**self.env(party), **(env or {})})
        if ok:
            assert result.exit_code == 0, (args, result.output)
        else:
            assert result.exit_code != 0, (args, result.output)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        return result

    def popen(self, party: str, *args: str, **kwargs) -> subprocess.Popen:
        """`pprl ARGS` as that party in a real process of its own (the installed command)."""
        self._check_args(party, args)
        env = dict(os.environ)
        for name, value in self.env(party).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        command = str(Path(sys.executable).with_name("pprl"))
        return subprocess.Popen([command, *args], env=env, stdin=subprocess.DEVNULL, **kwargs)

    def send(self, path: Path, party: str, name: str | None = None) -> Path:
        """Hand a public file to another party (a copy in its directory)."""
        target = self.home(party) / (name or path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return target

    def cert(self, party: str) -> Path:
        return self.home(party) / f"{party}.crt"

    def key(self, party: str) -> Path:
        return self.home(party) / f"{party}.key"

    # --- setup, as the walkthrough does it ---------------------------------------------------
    def set_up(self) -> Deployment:
        self.pprl(
            "OFFICE", "pki", "init", "--name", "Coordinating Office", "--out", str(self.office)
        )
        ca, crl = self.office / "ca" / "ca.crt", self.office / "ca" / "ca.crl"
        requests = {"MATCHER": "Central matcher", **{d: f"{d} bureau" for d in self.departments}}
        for party, name in requests.items():
            home = str(self.home(party))
            self.pprl(party, "pki", "request", "--department", party, "--name", name, "--out", home)
            csr = self.send(self.home(party) / f"{party}.csr", "OFFICE", f"requests/{party}.csr")
            extra = ["--role", "matcher", "--host", "localhost", "--host", "127.0.0.1"]
            self.pprl(
                "OFFICE", "pki", "issue", "--department", party, "--csr", str(csr),
                "--out", str(self.office / "issued"), *(extra if party == "MATCHER" else []),
            )  # fmt: skip
            self.issued[party] = self.office / "issued" / f"{party}.crt"
            self.send(self.issued[party], party)
            self.send(ca, party)
            self.send(crl, party)
        self.send(self.cert("OFFICE"), "MATCHER")
        self.pprl(
            "MATCHER", "matcher", "init", "--data-dir", str(self.data),
            "--ca", str(self.matcher / "ca.crt"), "--office", str(self.matcher / "OFFICE.crt"),
        )  # fmt: skip
        self.server = MatcherProcess(
            self.data,
            self.cert("MATCHER"),
            self.key("MATCHER"),
            key_passphrase=passphrase("MATCHER").encode(),
        ).start()
        self.office_copy_of_ca()
        for party in ("OFFICE", *self.departments):
            home = self.home(party)
            self.pprl(
                party, "profile", "add", party.lower(), "--server", self.server.target,
                "--cert", str(self.cert(party)), "--key", str(self.key(party)),
                "--ca", str(home / "ca.crt"), "--crl", str(home / "ca.crl"),
            )  # fmt: skip
        self.pprl("OFFICE", "pki", "register", *[str(self.issued[d]) for d in self.departments])
        return self

    def office_copy_of_ca(self) -> None:
        for name in ("ca.crt", "ca.crl"):
            self.send(self.office / "ca" / name, "OFFICE")

    def publish_crl(self) -> None:
        """The office signs a fresh CRL, hands it to the matcher and to every department."""
        self.office_copy_of_ca()
        self.pprl("OFFICE", "pki", "publish-crl", str(self.office / "ca.crl"))
        for party in self.departments:
            self.send(self.office / "ca.crl", party)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def matched_run(
    world: Deployment,
    out: Path,
    agreement: str,
    names: tuple[str, str],
    sizes: tuple[int, int, int],
    *,
    seed: int,
    parties: tuple[str, str] = ("MCA", "MPS"),
) -> tuple[str, tuple[str, str], int]:
    """Each party uploads its encoded dataset under `names`; the first runs the match.

    `sizes` are (rows of A, rows of B, rows shared) for `encoded_pair`: the run finds exactly
    the shared rows. Returns the run id, the two dataset ids and the number of matches.
    """
    from transport_world import encoded_pair

    encoded = encoded_pair(out, *parties, *sizes, seed=seed)[:2]
    datasets = tuple(
        world.pprl(
            party, "upload", str(path), "--agreement", agreement, "--name", name,
            "--quiet", "--id-only",
        ).stdout.strip()
        for party, path, name in zip(parties, encoded, names, strict=True)
    )  # fmt: skip
    status = json.loads(
        world.pprl(
            parties[0], "run", "create", "--agreement", agreement, "--dataset-a", datasets[0],
            "--dataset-b", datasets[1], "--threshold", "0.8", "--json",
        ).stdout
    )  # fmt: skip
    assert status["state"] == "succeeded" and status["matches"] == sizes[2], status
    return status["run_id"], datasets, status["matches"]

"""`pprl demo`: the whole system on one machine, every party as a separate party.

The office, the matcher and each department have a directory of their own (`office/`,
`MATCHER/`, `departments/<code>/`) and act only through `pprl` commands run as separate
processes in that directory, with that party's environment: they exchange certificate
requests, certificates, the CA certificate and its CRL as files, and everything else over
gRPC with mutual TLS. No command but the matcher's own is given the matcher's directory.

1. synthetic data: the civil-affairs low-income list, public-security deaths and vehicles
   (the demo plays the referee that knows the ground truth; each department gets its extract);
2. the office's CA, offline in office/ca; each party's own key and certificate request, the
   office's certificates; the matcher trusts the CA (`matcher init`) and starts serving;
3. profiles, the office registers the departments; catalogue entries, two applications by
   civil affairs, approved by the office and public security;
4. civil affairs creates the linkage secret and shares it wrapped to public security's
   certificate, relayed through the matcher as an opaque blob (`keys share --relay/receive`);
5. each department encodes its extract and uploads the signed encodings;
6. civil affairs runs both cross-matches; public security releases the agreed fields sealed to
   civil affairs, which receives and decrypts them;
7. quality against the ground truth, from what each party fetched of the results (joined by
   match id by the referee), and `audit verify` at the matcher.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.csv as pacsv

from bloom.schema import load_schema
from linkage.options import Solver, threshold_for
from pprl.errors import InputError, IntegrityError, PprlError
from transport.process import MatcherProcess

SCENARIO = "low-income-vs-deaths"
SCHEMA = "cn-identity"
CONSUMER, PROVIDER = "civil-affairs", "public-security"
OFFICE, MATCHER = "OFFICE", "MATCHER"
REFERENCE, DEATHS, VEHICLES = "mz_low_income", "gaj_deaths", "gaj_vehicles"
MARKER = ".pprl-demo"
NAMES = {
    OFFICE: "Coordinating office",
    MATCHER: "Central matcher",
    CONSUMER: "Civil affairs bureau",
    PROVIDER: "Public security bureau",
}


@dataclass(frozen=True)
class Link:
    """One cross-match of the demo: the provider's extract and what may be disclosed."""

    extract: str
    entry_name: str
    disclose: tuple[str, ...]
    purpose: str
    # The threshold the encoding's schema states (cn-identity: see its description and
    # bench/privacy_attacks.py), as a run that names none gets it.
    threshold: float = field(
        default_factory=lambda: threshold_for(None, load_schema(SCHEMA).match_threshold)
    )
    # Many-to-one: a person enrolled twice in the low-income list (a duplicate the list's own
    # deduplication should find) must be flagged against the death or vehicle record twice.
    solver: Solver = Solver.MANY_TO_ONE

    @property
    def entry_id(self) -> str:
        return self.extract.replace("_", "-")


LINKS = (
    Link(DEATHS, "Death registrations", ("SWRQ", "SWYY"), "find deceased assistance recipients"),
    Link(
        VEHICLES,
        "Motor-vehicle registrations",
        ("vehicle_type", "registered_on"),
        "find assistance recipients who own motor vehicles",
    ),
)


@dataclass
class Stopwatch:
    stages: list[tuple[str, float]] = field(default_factory=list)

    def run(self, name: str, step: Callable, *args, **kwargs):
        click.echo(f"· {name} …", err=True)
        start = time.perf_counter()
        value = step(*args, **kwargs)
        self.stages.append((name, time.perf_counter() - start))
        return value


def prepare_dir(root: Path) -> None:
    """Use an empty directory, or replace an earlier demo's; never touch anything else."""
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise InputError(
                "directory exists and is not an earlier demo's; choose another --dir",
                path=str(root),
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("data written by `pprl demo`; safe to delete\n")


class Parties:
    """Each party's directory, environment and `pprl` commands (one process per command)."""

    def __init__(self, root: Path, secret_passphrase: str) -> None:
        self.root = root
        self._secret = secret_passphrase
        self._ca_passphrase = secrets.token_hex(16)  # the office's only; held in memory
        self.server: MatcherProcess | None = None

    def home(self, party: str) -> Path:
        if party == OFFICE:
            return self.root / "office"
        if party == MATCHER:
            return self.root / MATCHER
        return self.root / "departments" / party

    @property
    def matcher_data(self) -> Path:
        return self.home(MATCHER) / "data"

    def env(self, party: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PPRL_")}
        env["PPRL_PROFILE_DIR"] = str(self.home(party) / "profiles")
        if party != MATCHER:
            env["PPRL_PROFILE"] = party.lower()
        if party == OFFICE:
            env["PPRL_CA_DIR"] = str(self.home(OFFICE) / "ca")
            env["PPRL_CA_PASSPHRASE"] = self._ca_passphrase
        if party in (CONSUMER, PROVIDER):
            env["PPRL_PASSPHRASE"] = self._secret
        return env

    def pprl(self, party: str, *args: str) -> str:
        """One `pprl` command as `party`, in its directory; its stdout."""
        home = self.home(party)
        home.mkdir(parents=True, exist_ok=True)
        if party != MATCHER and any(str(self.home(MATCHER)) in a for a in args):
            raise PprlError(f"{party} may not be given the matcher's files")
        done = subprocess.run(
            [sys.executable, "-m", "pprl_app", *args],
            cwd=home,
            env=self.env(party),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise PprlError(f"{party}: pprl {' '.join(args[:2])} failed: {last}")
        return done.stdout

    def send(self, path: Path, party: str, name: str | None = None) -> str:
        """Hand a public file to another party: a copy in its directory; its name there."""
        target = self.home(party) / (name or path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return str(target.relative_to(self.home(party)))


def generate(root: Path, size: int, seed: int) -> dict:
    import pprl_synthetic

    scenario = pprl_synthetic.generate_scenario(SCENARIO, size, seed, root / "synthetic")
    return {e["name"]: e for e in scenario["extracts"]}


def hand_out_extracts(parties: Parties, extracts: dict) -> None:
    """Each department gets its own extract only (and its column map)."""
    for info in extracts.values():
        for name in (info["file"], info["columns_file"]):
            parties.send(parties.root / "synthetic" / name, info["department"])


def set_up_pki(parties: Parties) -> None:
    """The office's CA offline; each party's own key and request; the office certifies."""
    parties.pprl(OFFICE, "pki", "init", "--name", NAMES[OFFICE], "--out", ".",
                 "--no-key-passphrase")  # fmt: skip
    office = parties.home(OFFICE)
    for party in (MATCHER, CONSUMER, PROVIDER):
        parties.pprl(party, "pki", "request", "--department", party, "--name", NAMES[party],
                     "--out", ".", "--no-key-passphrase")  # fmt: skip
        csr = parties.send(parties.home(party) / f"{party}.csr", OFFICE, f"requests/{party}.csr")
        server = ["--role", "matcher", "--host", "localhost", "--host", "127.0.0.1"]
        parties.pprl(OFFICE, "pki", "issue", "--department", party, "--csr", csr,
                     "--out", "issued", *(server if party == MATCHER else []))  # fmt: skip
        parties.send(office / "issued" / f"{party}.crt", party)
    for party in (OFFICE, MATCHER, CONSUMER, PROVIDER):
        for name in ("ca.crt", "ca.crl"):
            parties.send(office / "ca" / name, party)
    parties.send(office / f"{OFFICE}.crt", MATCHER)
    parties.send(office / "issued" / f"{PROVIDER}.crt", CONSUMER)  # to wrap the secret to


def start_matcher(parties: Parties) -> MatcherProcess:
    """The matcher trusts the office's CA, then serves; the others save their profiles."""
    parties.pprl(MATCHER, "matcher", "init", "--data-dir", "data", "--ca", "ca.crt",
                 "--office", f"{OFFICE}.crt")  # fmt: skip
    home = parties.home(MATCHER)
    parties.server = MatcherProcess(
        parties.matcher_data, home / f"{MATCHER}.crt", home / f"{MATCHER}.key"
    ).start()
    for party in (OFFICE, CONSUMER, PROVIDER):
        parties.pprl(party, "profile", "add", party.lower(), "--server", parties.server.target,
                     "--cert", f"{party}.crt", "--key", f"{party}.key", "--ca", "ca.crt",
                     "--crl", "ca.crl")  # fmt: skip
    issued = parties.home(OFFICE) / "issued"
    parties.pprl(OFFICE, "pki", "register", str(issued / f"{CONSUMER}.crt"),
                 str(issued / f"{PROVIDER}.crt"))  # fmt: skip
    return parties.server


def agree(parties: Parties, extracts: dict) -> dict[str, str]:
    """Catalogue entries by the provider; applications by the consumer; both approvals."""
    agreements = {}
    for link in LINKS:
        columns = pacsv.read_csv(
            parties.home(PROVIDER) / extracts[link.extract]["file"]
        ).column_names
        fields = [arg for column in columns for arg in ("--field", column)]
        parties.pprl(
            PROVIDER, "catalog", "add", "--id", link.entry_id,
            "--category", "social assistance cross-check", "--name", link.entry_name,
            "--provider", PROVIDER, "--format", "csv", *fields, "--update-cycle", "monthly",
            "--sharing-type", "conditional",
            "--conditions", "for verifying social-assistance eligibility only",
            "--scope", "civil affairs", "--method", "interface",
            "--source-system", f"{PROVIDER} registry", "--security-level", "important",
        )  # fmt: skip
        today = time.gmtime()
        disclose = [arg for name in link.disclose for arg in ("--disclose", name)]
        agreement = parties.pprl(
            CONSUMER, "agreement", "apply", "--provider", PROVIDER, "--entry", link.entry_id,
            "--purpose", link.purpose,
            "--scenario", "cross-comparison of the low-income population database",
            "--scope", "province", *disclose,
            "--valid-from", time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400)),
            "--valid-until", f"{today.tm_year + 1}-12-31", "--id-only",
        ).strip()  # fmt: skip
        for approver in (OFFICE, PROVIDER):
            parties.pprl(approver, "agreement", "approve", agreement)
        agreements[link.extract] = agreement
    return agreements


def share_secret(parties: Parties) -> str:
    """Civil affairs creates the secret; public security receives it wrapped, via the relay."""
    key_id = parties.pprl(CONSUMER, "keys", "new", "--out", "linkage.secret").strip()
    parties.pprl(CONSUMER, "keys", "share", "--secret", "linkage.secret",
                 "--to", f"{PROVIDER}.crt", "--out", "wrapped", "--relay")  # fmt: skip
    received = parties.pprl(PROVIDER, "keys", "receive", "--out", "linkage.secret").strip()
    if received != key_id:
        raise IntegrityError("received linkage secret does not match its key id")
    return key_id


def encode_all(parties: Parties, extracts: dict) -> None:
    for name, info in extracts.items():
        parties.pprl(
            info["department"], "encode", "--secret", "linkage.secret", "--quiet",
            "--input", info["file"], "--columns", info["columns_file"],
            "--department", info["department"], "--out", f"{name}.parquet",
        )  # fmt: skip


def upload_all(parties: Parties, agreements: dict[str, str]) -> dict[str, dict[str, str]]:
    """Dataset ids per link: the reference list is uploaded once under each agreement."""
    ids = {}
    for link in LINKS:
        agreement = agreements[link.extract]
        upload = ["upload", "--agreement", agreement, "--quiet", "--id-only"]
        a = parties.pprl(CONSUMER, *upload, f"{REFERENCE}.parquet", "--name", "low-income")
        b = parties.pprl(PROVIDER, *upload, f"{link.extract}.parquet", "--name", link.extract)
        ids[link.extract] = {"agreement": agreement, "a": a.strip(), "b": b.strip()}
    return ids


def run_all(parties: Parties, ids) -> dict[str, dict]:
    finals = {}
    for link in LINKS:
        spec = ids[link.extract]
        finals[link.extract] = json.loads(
            parties.pprl(
                CONSUMER, "run", "create", "--agreement", spec["agreement"],
                "--dataset-a", spec["a"], "--dataset-b", spec["b"],
                "--threshold", str(link.threshold), "--solver", link.solver.value, "--json",
            )
        )  # fmt: skip
    return finals


def disclose_all(parties: Parties, ids, runs, extracts) -> dict[str, int]:
    received = {}
    for link in LINKS:
        run, agreement = runs[link.extract]["run_id"], ids[link.extract]["agreement"]
        fields = [arg for name in link.disclose for arg in ("--field", name)]
        parties.pprl(
            PROVIDER, "disclose", "--run", run, "--agreement", agreement,
            "--map", f"{link.extract}.map.parquet",
            "--source", extracts[link.extract]["file"], *fields,
        )  # fmt: skip
        out = parties.pprl(
            CONSUMER, "receive", "--run", run, "--agreement", agreement,
            "--map", f"{REFERENCE}.map.parquet", "--out", f"disclosed-{link.extract}.csv",
        )  # fmt: skip
        received[link.extract] = int(re.match(r"(\d+) disclosed", out).group(1))
    return received


def evaluate(parties: Parties, root, extracts, runs) -> dict[str, object]:
    """Quality against the ground truth. Each party fetches its own side of the results; the
    demo, as referee, joins them by match id (no party could) with both maps and the truth."""
    from linkage import evaluation

    def truth_of(name: str):
        return evaluation.read_truth(str(root / "synthetic" / extracts[name]["truth_file"]))

    consumer, provider = parties.home(CONSUMER), parties.home(PROVIDER)
    map_a = evaluation.read_map(str(consumer / f"{REFERENCE}.map.parquet"))
    quality = {}
    for link in LINKS:
        run = runs[link.extract]["run_id"]
        sides = []
        for party in (CONSUMER, PROVIDER):
            parties.pprl(party, "run", "results", run, "--out", f"results-{link.extract}.csv")
            sides.append(pacsv.read_csv(parties.home(party) / f"results-{link.extract}.csv"))
        a, b = sides
        by_match = dict(zip(b["match_id"].to_pylist(), b["own_token"].to_pylist(), strict=True))
        pairs = pa.table(
            {
                "token_a": a["own_token"].to_pylist(),
                "token_b": [by_match[m] for m in a["match_id"].to_pylist()],
                "score": a["score"].to_pylist(),
            }
        )
        quality[link.extract] = evaluation.evaluate(
            pairs,
            map_a,
            evaluation.read_map(str(provider / f"{link.extract}.map.parquet")),
            truth_of(REFERENCE),
            truth_of(link.extract),
        )
    return quality


def verify_audit(parties: Parties) -> tuple[bool, int]:
    try:
        out = parties.pprl(MATCHER, "audit", "verify", "--data-dir", "data", "--ca", "ca.crt")
    except PprlError:
        return False, 0
    return True, int(re.search(r"(\d+) entries", out).group(1))


@click.command()
@click.option(
    "--dir",
    "directory",
    default="demo-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where everything is written and left for inspection.",
)
@click.option("--size", default=300_000, show_default=True, help="Synthetic population size.")
@click.option("--seed", default=20260601, show_default=True)
def demo(directory: Path, size: int, seed: int) -> None:
    """Run the whole cross-matching flow end to end, every party as a separate party."""
    root = directory.resolve()
    env_pass = os.environ.get("PPRL_PASSPHRASE")
    parties = Parties(root, env_pass or secrets.token_hex(16))
    watch = Stopwatch()
    started = time.perf_counter()
    prepare_dir(root)
    extracts = watch.run("synthetic extracts", generate, root, size, seed)
    hand_out_extracts(parties, extracts)
    watch.run("office CA, requests, certificates", set_up_pki, parties)
    watch.run("matcher started (mutual TLS), profiles", start_matcher, parties)
    try:
        agreements = watch.run("catalogue, applications, approvals", agree, parties, extracts)
        watch.run("linkage secret shared (wrapped, relayed)", share_secret, parties)
        watch.run("encoding at each department", encode_all, parties, extracts)
        ids = watch.run("signed uploads", upload_all, parties, agreements)
        runs = watch.run("cross-matching runs", run_all, parties, ids)
        received = watch.run("sealed disclosure", disclose_all, parties, ids, runs, extracts)
        quality = watch.run(
            "evaluation against ground truth", evaluate, parties, root, extracts, runs
        )
    finally:
        if parties.server is not None:
            parties.server.stop()
    audit_ok, audit_entries = watch.run("audit verify", verify_audit, parties)
    total = time.perf_counter() - started
    print_summary(
        root, extracts, runs, received, quality, watch, audit_ok, audit_entries, total, env_pass
    )
    if not audit_ok:
        raise IntegrityError("audit chain does not verify")


def print_summary(
    root, extracts, runs, received, quality, watch, audit_ok, audit_entries, total, env_pass
):
    echo = click.echo
    echo("")
    echo(f"pprl demo: {SCENARIO} (data in {root})")
    echo("")
    echo("records")
    for name, info in extracts.items():
        echo(f"  {info['department']:<16} {name:<16} {info['rows']:>8}")
    echo("")
    echo("cross-matches (Dice threshold per link, keyed blocking, many-to-one)")
    echo(
        f"  {'low-income vs':<16} {'threshold':>9} {'matches':>8} {'precision':>10} "
        f"{'recall':>8} {'F1':>7} {'disclosed':>10}"
    )
    for link in LINKS:
        q = quality[link.extract]
        echo(
            f"  {link.extract:<16} {link.threshold:>9.2f} {runs[link.extract]['matches']:>8} "
            f"{q.precision:>10.4f} "
            f"{q.recall:>8.4f} {q.f1:>7.4f} {received[link.extract]:>10}"
        )
    echo("")
    echo("time per stage")
    for name, seconds in watch.stages:
        echo(f"  {name:<42} {seconds:7.2f} s")
    echo(f"  {'total':<42} {total:7.2f} s")
    echo("")
    echo(f"audit verify: {'OK' if audit_ok else 'FAILED'} ({audit_entries} entries in the chain)")
    echo(f"disclosed fields for civil affairs: {root}/departments/{CONSUMER}/disclosed-*.csv")
    if not env_pass:
        echo(
            "linkage secrets are encrypted with a one-time passphrase; "
            "set PPRL_PASSPHRASE to keep them usable"
        )


def register(main: click.Group) -> None:
    main.add_command(demo)

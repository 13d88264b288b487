"""`pprl demo`: the whole system on one machine, every party as it would run for real.

1. synthetic data: the civil-affairs low-income list, public-security deaths and vehicles;
2. the coordinating office's CA (in office/ca, never in the matcher's directory: its key could
   re-issue the office's certificate and forge approvals), certificates for each department
   and the matcher, catalogue entries and two approved agreements (deaths, vehicles), all
   registered in the matcher's store;
3. civil affairs creates the linkage secret and shares it wrapped to public security's
   certificate, relayed through the matcher as an opaque blob (`keys share/receive`);
4. the matcher starts as a separate gRPC server process on loopback (mutual TLS);
5. each department encodes its extract locally and uploads the signed encodings;
6. civil affairs runs both cross-matches; progress is streamed;
7. public security releases the agreed fields of its matched records, sealed to civil
   affairs; civil affairs receives and decrypts them;
8. quality against the synthetic ground truth (only the demo knows it), and `audit verify`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bloom.schema import load_schema
from governance import keywrap, pki
from governance.store import DB_FILE, GovernanceStore
from linkage.options import threshold_for
from pprl.errors import GovernanceError, InputError, IntegrityError
from pprl.passphrase import SECRET_ENV
from transport.client import MatcherClient
from transport.generated import runs_pb2
from transport.process import MatcherProcess
from transport.provision import AgreementPlan, Provisioned, provision
from transport.runstate import RunFiles

SCENARIO = "low-income-vs-deaths"
SCHEMA = "cn-identity"
CONSUMER, PROVIDER = "civil-affairs", "public-security"
REFERENCE, DEATHS, VEHICLES = "mz_low_income", "gaj_deaths", "gaj_vehicles"
MARKER = ".pprl-demo"


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
    solver: int = runs_pb2.SOLVER_MANY_TO_ONE


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


def generate(root: Path, size: int, seed: int) -> dict:
    import pprl_synthetic

    scenario = pprl_synthetic.generate_scenario(SCENARIO, size, seed, root / "synthetic")
    return {e["name"]: e for e in scenario["extracts"]}


def set_up_governance(root: Path, extracts: dict) -> Provisioned:
    plans = []
    for link in LINKS:
        info = extracts[link.extract]
        columns = pacsv.read_csv(root / "synthetic" / info["file"]).column_names
        plans.append(
            AgreementPlan(
                consumer=CONSUMER,
                provider=PROVIDER,
                entry_id=link.extract.replace("_", "-"),
                entry_name=link.entry_name,
                fields=tuple(columns),
                disclose_fields=link.disclose,
                purpose=link.purpose,
            )
        )
    names = {CONSUMER: "Civil affairs bureau", PROVIDER: "Public security bureau"}
    return provision(root, names, plans)


def share_secret(world: Provisioned, passphrase: bytes) -> dict[str, Path]:
    """Civil affairs creates the secret; public security receives it wrapped, via the relay."""
    from bloom.secret import LinkageSecret

    paths = {code: world.parties[code].dir / "linkage.secret" for code in (CONSUMER, PROVIDER)}
    secret = LinkageSecret.generate()
    secret.save(paths[CONSUMER], passphrase)
    recipient = pki.load_certificate(world.parties[PROVIDER].cert)
    blob = keywrap.wrap(secret.expose(), secret.key_id, recipient)
    del secret
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        store.relay_wrapped_secrets([blob])
        waiting = store.wrapped_secrets(PROVIDER)
    provider = world.parties[PROVIDER]
    signer = pki.Signer.load(provider.cert, provider.key, None)
    key_id, wrapped = waiting[-1]
    received = LinkageSecret.from_bytes(keywrap.unwrap(wrapped, signer))
    if received.key_id != key_id:
        raise IntegrityError("received linkage secret does not match its key id")
    received.save(paths[PROVIDER], passphrase)
    return paths


def encode_all(world: Provisioned, root: Path, extracts: dict, secrets_at: dict, passphrase: bytes):
    from bloom import LinkageSecret, encode_file

    out = {}
    for name, info in extracts.items():
        code = info["department"]
        home = world.parties[code].dir
        secret = LinkageSecret.load(secrets_at[code], passphrase)
        source = home / info["file"]
        shutil.copyfile(root / "synthetic" / info["file"], source)
        out[name] = encode_file(
            source,
            home / f"{name}.parquet",
            SCHEMA,
            secret,
            columns=root / "synthetic" / info["columns_file"],
            department=code,
        )
        del secret
    return out


def connect(world: Provisioned, server: MatcherProcess, code: str) -> MatcherClient:
    party = world.parties[code]
    crl = world.ca_dir / pki.CA_CRL  # the office's revocation list, as published
    return MatcherClient.connect(
        server.target, cert=party.cert, key=party.key, ca=party.ca, crl=crl
    )


def upload_all(world, server, encoded) -> dict[str, dict[str, str]]:
    """Dataset ids per link: the reference list is uploaded once under each agreement."""
    ids: dict[str, dict[str, str]] = {}
    with connect(world, server, CONSUMER) as consumer, connect(world, server, PROVIDER) as provider:
        for link in LINKS:
            agreement = world.agreements[link.extract.replace("_", "-")]
            a = consumer.upload(
                encoded[REFERENCE].out_path, agreement_id=agreement, dataset_name="low-income"
            )
            b = provider.upload(
                encoded[link.extract].out_path, agreement_id=agreement, dataset_name=link.extract
            )
            ids[link.extract] = {"agreement": agreement, "a": a.dataset_id, "b": b.dataset_id}
    return ids


def run_all(world, server, ids) -> dict[str, runs_pb2.RunStatus]:
    finals = {}
    with connect(world, server, CONSUMER) as consumer:
        for link in LINKS:
            spec = ids[link.extract]
            run = consumer.create_run(
                spec["agreement"],
                spec["a"],
                spec["b"],
                threshold=link.threshold,
                solver=link.solver,
            )
            last = run
            for status in consumer.watch(run.run_id, timeout=600):
                last = status
            if last.state != runs_pb2.SUCCEEDED:
                raise GovernanceError(
                    f"run {run.run_id} ended {runs_pb2.RunState.Name(last.state)}"
                )
            finals[link.extract] = last
    return finals


def disclose_all(world, server, ids, runs, encoded) -> dict[str, int]:
    from transport.disclosure import receive, release

    received = {}
    with connect(world, server, PROVIDER) as provider, connect(world, server, CONSUMER) as consumer:
        for link in LINKS:
            run_id, agreement = runs[link.extract].run_id, ids[link.extract]["agreement"]
            summary = encoded[link.extract]
            release(
                provider,
                run_id,
                agreement,
                map_path=summary.map_path,
                source_path=summary.input_path,
                fields=link.disclose,
            )
            out = world.parties[CONSUMER].dir / f"disclosed-{link.extract}.csv"
            received[link.extract] = receive(
                consumer, run_id, agreement, map_path=encoded[REFERENCE].map_path, out_path=out
            ).records
    return received


def evaluate(world, root, extracts, runs, encoded) -> dict[str, object]:
    """Quality of each run against the ground truth. Only the demo holds both maps and truth."""
    from linkage import evaluation

    def truth_of(name: str):
        return evaluation.read_truth(str(root / "synthetic" / extracts[name]["truth_file"]))

    map_a, truth_a = evaluation.read_map(str(encoded[REFERENCE].map_path)), truth_of(REFERENCE)
    quality = {}
    for link in LINKS:
        result = RunFiles.in_data_dir(world.matcher_dir, runs[link.extract].run_id).result_path
        quality[link.extract] = evaluation.evaluate(
            pq.read_table(result),
            map_a,
            evaluation.read_map(str(encoded[link.extract].map_path)),
            truth_a,
            truth_of(link.extract),
        )
    return quality


def verify_audit(world) -> tuple[bool, int]:
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        report = store.verify_audit()
    return report.ok, report.entries


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
    """Run the whole cross-matching flow end to end on synthetic data."""
    root = directory.resolve()
    env_pass = os.environ.get(SECRET_ENV)
    passphrase = env_pass.encode() if env_pass else secrets.token_bytes(24)
    watch = Stopwatch()
    started = time.perf_counter()
    prepare_dir(root)
    extracts = watch.run("synthetic extracts", generate, root, size, seed)
    world = watch.run("CA, certificates, catalogue, agreements", set_up_governance, root, extracts)
    secrets_at = watch.run(
        "linkage secret shared (wrapped, relayed)", share_secret, world, passphrase
    )
    server = MatcherProcess(world.matcher_dir, world.matcher.cert, world.matcher.key)
    watch.run("matcher process started (mutual TLS)", server.start)
    try:
        encoded = watch.run(
            "encoding at each department", encode_all, world, root, extracts, secrets_at, passphrase
        )
        ids = watch.run("signed uploads", upload_all, world, server, encoded)
        runs = watch.run("cross-matching runs", run_all, world, server, ids)
        received = watch.run("sealed disclosure", disclose_all, world, server, ids, runs, encoded)
    finally:
        server.stop()
    quality = watch.run(
        "evaluation against ground truth", evaluate, world, root, extracts, runs, encoded
    )
    audit_ok, audit_entries = watch.run("audit verify", verify_audit, world)
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
            f"  {link.extract:<16} {link.threshold:>9.2f} {runs[link.extract].matches:>8} "
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
            f"set {SECRET_ENV} to keep them usable"
        )


def register(main: click.Group) -> None:
    main.add_command(demo)

"""`pprl serve | upload | run create|status|cancel|results | disclose | receive | demo`.

Client commands take the matcher's address and the department's mutual-TLS identity from
options or the environment: --server/PPRL_SERVER, --cert/PPRL_CERT, --key/PPRL_KEY,
--ca/PPRL_CA (the CA certificate the department trusts), --crl/PPRL_CRL (the office's latest
revocation list, optional). A passphrase-protected key is opened with PPRL_KEY_PASSPHRASE,
else a hidden prompt.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from pathlib import Path

import click

from governance.passphrases import key_passphrase
from linkage.cli import DiceOrOff, EnumChoice, ThresholdOrAuto
from linkage.options import (
    DEFAULT_BLOCKING,
    DEFAULT_SOLVER,
    DEFAULT_THRESHOLD,
    BlockingMethod,
    Solver,
    ThresholdRule,
)
from pprl.files import write_table_csv_atomic
from pprl.passphrase import MATCHER_KEY_ENV
from pprl.progress import ProgressBar
from pprl.tables import parse_column_map
from transport.generated import runs_pb2
from transport.limits import MIB, Limits
from transport.run_options import blocking_value, solver_value


def client_options(func):
    """Add --server/--cert/--key/--ca and pass a connected MatcherClient as `client`."""

    @click.option("--server", envvar="PPRL_SERVER", default="localhost:50051", show_default=True)
    @click.option("--cert", envvar="PPRL_CERT", required=True, type=click.Path(exists=True))
    @click.option("--key", envvar="PPRL_KEY", required=True, type=click.Path(exists=True))
    @click.option("--ca", envvar="PPRL_CA", required=True, type=click.Path(exists=True))
    @click.option(
        "--crl",
        envvar="PPRL_CRL",
        type=click.Path(exists=True),
        help="The office's revocation list: revoked parties are refused.",
    )
    @functools.wraps(func)
    def wrapper(server, cert, key, ca, crl, **kwargs):
        from transport.client import MatcherClient

        with MatcherClient.connect(
            server, cert=cert, key=key, ca=ca, crl=crl, key_passphrase=key_passphrase(Path(key))
        ) as client:
            return func(client=client, **kwargs)

    return wrapper


def _print_status(status) -> None:
    state = runs_pb2.RunState.Name(status.state).lower()
    line = f"{status.run_id}  {state:<9}  {status.stage:<9} {status.progress:6.1%}"
    if status.state == runs_pb2.SUCCEEDED:
        line += f"  matches={status.matches}"
    if status.message:
        line += f"  {status.message}"
    click.echo(line)


@click.command()
@click.option("--data-dir", required=True, type=click.Path(file_okay=False), help="Matcher data.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=50051, show_default=True, help="0 picks a free port.")
@click.option("--cert", required=True, type=click.Path(exists=True), help="Matcher certificate.")
@click.option("--key", required=True, type=click.Path(exists=True), help="Matcher private key.")
@click.option("--port-file", type=click.Path(), help="Write the bound port here once listening.")
@click.option("--max-upload-mb", default=Limits.max_upload_bytes // MIB, show_default=True)
@click.option("--runs", "run_parallelism", default=1, show_default=True, help="Runs at once.")
def serve(data_dir, host, port, cert, key, port_file, max_upload_mb, run_parallelism) -> None:
    """Run the central matcher (gRPC, mutual TLS required) until interrupted.

    An encrypted matcher key is opened with PPRL_MATCHER_KEY_PASSPHRASE, else a hidden prompt.
    """
    from pprl.files import write_atomic
    from transport.server import serve as start

    limits = Limits(max_upload_bytes=max_upload_mb * MIB)
    # The matcher's key has its own variable (else a prompt); a department's never opens it,
    # and no child of the matcher inherits it.
    matcher_passphrase = key_passphrase(Path(key), MATCHER_KEY_ENV)
    os.environ.pop(MATCHER_KEY_ENV, None)
    server = start(
        data_dir,
        port,
        cert=cert,
        key=key,
        key_passphrase=matcher_passphrase,
        host=host,
        limits=limits,
        run_parallelism=run_parallelism,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if port_file:
        write_atomic(Path(port_file), str(server.port).encode())
    click.echo(f"matcher listening on {host}:{server.port} (mutual TLS); data in {data_dir}")
    if server.resumed_runs:
        click.echo(f"resumed {len(server.resumed_runs)} unfinished run(s)")
    stop.wait()
    server.stop()
    click.echo("matcher stopped; unfinished runs resume at the next start")


@click.command()
@click.argument("encoded", type=click.Path(exists=True, dir_okay=False))
@click.option("--agreement", "agreement_id", required=True)
@click.option("--name", "dataset_name", required=True, help="Dataset name at the matcher.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@client_options
def upload(client, encoded, agreement_id, dataset_name, quiet) -> None:
    """Upload an encoded dataset (signed with the department's key; resumes if interrupted)."""
    with ProgressBar("B", unit_scale=True, cumulative=True, quiet=quiet) as progress:
        report = client.upload(
            encoded, agreement_id=agreement_id, dataset_name=dataset_name, progress=progress
        )
    resumed = f" (resumed at byte {report.resumed_from})" if report.resumed_from else ""
    click.echo(
        f"dataset {report.dataset_id}: {report.record_count} records, "
        f"{report.total_bytes} bytes{resumed}"
    )


@click.group()
def run() -> None:
    """Matching runs at the matcher: create, status, cancel, results, report."""


@run.command("create")
@click.option("--agreement", "agreement_id", required=True)
@click.option("--dataset-a", required=True)
@click.option("--dataset-b", required=True)
@click.option(
    "--threshold",
    default=ThresholdRule.AUTO.value,
    show_default=True,
    type=ThresholdOrAuto(),
    metavar="DICE|auto",
    help="Dice threshold; auto: the matcher chooses it from the run's scores (the encodings' "
    f"stated threshold, else {DEFAULT_THRESHOLD}, where it cannot); the run status says how.",
)
@click.option(
    "--blocking",
    type=EnumChoice(BlockingMethod),
    help=f"As in pprl match [default: the matcher's, {DEFAULT_BLOCKING.value}].",
)
@click.option(
    "--solver",
    type=EnumChoice(Solver),
    default=DEFAULT_SOLVER.value,
    show_default=True,
    help="As in pprl match (many-to-one keeps B near-copies of the chosen record).",
)
@click.option(
    "--duplicates-at",
    type=DiceOrOff(off_value=0.0),  # the request's "keep one B record"
    metavar="DICE|off",
    help="many-to-one: keep B records this close to the chosen one; 'off' keeps one "
    "[default: the matcher's, 0.8].",
)
@click.option("--watch/--no-watch", default=True, show_default=True)
@client_options
def run_create(
    client, agreement_id, dataset_a, dataset_b, threshold, blocking, solver, duplicates_at, watch
):
    """Start a cross-match of two uploaded datasets under an agreement."""
    status = client.create_run(
        agreement_id,
        dataset_a,
        dataset_b,
        threshold=0.0 if threshold is ThresholdRule.AUTO else threshold,  # 0: auto
        blocking=blocking_value(blocking),
        solver=solver_value(solver),
        duplicates_at=duplicates_at,
    )
    _print_status(status)
    if watch:
        _watch(client, status.run_id, status)


def _watch(client, run_id: str, last=None) -> None:
    for status in client.watch(run_id):
        if status != last:
            _print_status(status)
        last = status
    if last is not None and last.state != runs_pb2.SUCCEEDED:
        raise click.exceptions.Exit(1)


@run.command("status")
@click.argument("run_id")
@click.option("--watch/--no-watch", default=False, help="Follow progress until the run ends.")
@client_options
def run_status(client, run_id, watch):
    """Show a run's state and progress."""
    if watch:
        _watch(client, run_id)
    else:
        _print_status(client.run_status(run_id))


@run.command("cancel")
@click.argument("run_id")
@client_options
def run_cancel(client, run_id):
    """Cancel a queued or running run."""
    _print_status(client.cancel_run(run_id))


@run.command("results")
@click.argument("run_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV to write.")
@client_options
def run_results(client, run_id, out):
    """Fetch the matched pairs as this department may see them (its own tokens)."""
    side, table = client.results(run_id)
    write_table_csv_atomic(out, table)
    click.echo(f"{table.num_rows} matched pairs (side {side}) written to {out}")


@run.command("report")
@click.argument("run_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="HTML to write.")
@client_options
def run_report(client, run_id, out):
    """Write an HTML report of a finished run from what this department may see of it."""
    import numpy as np

    from linkage.options import REVIEW_BAND
    from linkage.report import render_html, results_report
    from pprl.files import write_atomic
    from transport.results import threshold_of_message

    status = client.run_status(run_id)
    side, table = client.results(run_id)
    threshold, reason = threshold_of_message(status.message)
    scores = table.column("score").to_numpy()
    probability = None
    if "probability" in table.column_names:
        probability = table.column("probability").to_numpy(zero_copy_only=False).astype(float)
    review = []
    if probability is not None:
        inside = np.flatnonzero((probability >= REVIEW_BAND[0]) & (probability <= REVIEW_BAND[1]))
        review = [list(table.slice(int(i), 1).to_pylist()[0].values()) for i in inside]
    data = results_report(
        scores,
        probability,
        threshold,
        reason,
        title=f"Run {run_id}: {status.dataset_a} x {status.dataset_b} (side {side})",
        review_columns=table.column_names,
        review_rows=review,
        facts=[
            ("state", runs_pb2.RunState.Name(status.state).lower()),
            ("pairs linked", f"{table.num_rows:,}"),
            ("created", status.created_at),
            ("finished", status.finished_at),
        ],
    )
    write_atomic(out, render_html(data).encode("utf-8"))
    click.echo(f"report of {table.num_rows} matched pairs (side {side}) written to {out}")


@click.command()
@click.option("--run", "run_id", required=True)
@click.option("--agreement", "agreement_id", required=True)
@click.option("--map", "map_path", required=True, type=click.Path(exists=True))
@click.option("--source", "source_path", required=True, type=click.Path(exists=True))
@click.option("--field", "fields", multiple=True, help="Field to release (default: all agreed).")
@click.option("--column", "columns", multiple=True, help="FIELD=COLUMN in the source extract.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of a CSV.")
@client_options
def disclose(client, run_id, agreement_id, map_path, source_path, fields, columns, encoding):
    """Provider: release the agreed fields of matched records, sealed to the consumer."""
    from transport.disclosure import release

    report = release(
        client,
        run_id,
        agreement_id,
        map_path=map_path,
        source_path=source_path,
        fields=tuple(fields),
        columns=parse_column_map(columns, "--column"),
        encoding=encoding,
    )
    click.echo(
        f"sealed {report.records} records ({', '.join(report.fields)}) to {report.recipient}: "
        f"{', '.join(report.disclosure_ids)}"
    )


@click.command()
@click.option("--run", "run_id", required=True)
@click.option("--agreement", "agreement_id", required=True)
@click.option("--map", "map_path", required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@client_options
def receive(client, run_id, agreement_id, map_path, out):
    """Consumer: collect, verify and decrypt disclosed fields for its matched records."""
    from transport.disclosure import receive as collect

    report = collect(client, run_id, agreement_id, map_path=map_path, out_path=out)
    click.echo(f"{report.records} disclosed records from {report.payloads} payload(s) in {out}")


def register(main: click.Group) -> None:
    for command in (serve, upload, run, disclose, receive):
        main.add_command(command)

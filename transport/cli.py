"""`pprl serve | upload | run create|status|cancel|results | disclose | receive | demo`.

Client commands take the matcher's address and the party's mutual-TLS identity from a profile
(--profile/PPRL_PROFILE, `pprl profile add`) or options and the environment:
--server/PPRL_SERVER, --cert/PPRL_CERT, --key/PPRL_KEY, --ca/PPRL_CA (the CA certificate the
party trusts), --crl/PPRL_CRL (the office's latest revocation list, optional); see
`transport.cli_options`. A passphrase-protected key is opened with PPRL_KEY_PASSPHRASE, else
a hidden prompt.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import click

from linkage.cli import DiceOrOff, EnumChoice, ThresholdOrAuto, UnitInterval
from linkage.options import (
    DEFAULT_BLOCKING,
    DEFAULT_SOLVER,
    DEFAULT_THRESHOLD,
    BlockingMethod,
    Solver,
    ThresholdRule,
)
from pprl.errors import IntegrityError
from pprl.files import write_table_csv_atomic
from pprl.progress import ProgressBar
from pprl.tables import parse_column_map
from transport.cli_options import client_options, network_options, output_options
from transport.generated import runs_pb2
from transport.limits import MIB, Limits
from transport.run_options import blocking_value, solver_value


def _status_dict(status) -> dict:
    return {
        "run_id": status.run_id,
        "agreement_id": status.agreement_id,
        "state": runs_pb2.RunState.Name(status.state).lower(),
        "stage": status.stage,
        "progress": status.progress,
        "matches": status.matches,
        "message": status.message,
        "dataset_a": status.dataset_a,
        "dataset_b": status.dataset_b,
        "created_at": status.created_at,
        "finished_at": status.finished_at or None,
    }


def _print_status(status, err: bool = False) -> None:
    state = runs_pb2.RunState.Name(status.state).lower()
    line = f"{status.run_id}  {state:<9}  {status.stage:<9} {status.progress:6.1%}"
    if status.state == runs_pb2.SUCCEEDED:
        line += f"  matches={status.matches}"
    if status.message:
        line += f"  {status.message}"
    click.echo(line, err=err)


def _limit(option: str, field: str, kind: click.ParamType, help: str):
    """An option of `pprl serve` setting one field of `Limits` (its default shown)."""
    return click.option(
        option, field, default=getattr(Limits, field), show_default=True, type=kind, help=help
    )


@click.command()
@click.option("--data-dir", required=True, type=click.Path(file_okay=False), help="Matcher data.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=50051, show_default=True, help="0 picks a free port.")
@click.option("--cert", required=True, type=click.Path(exists=True), help="Matcher certificate.")
@click.option("--key", required=True, type=click.Path(exists=True), help="Matcher private key.")
@click.option("--port-file", type=click.Path(), help="Write the bound port here once listening.")
@click.option(
    "--ready-file",
    type=click.Path(dir_okay=False),
    help="Write HOST:PORT here once serving (removed at stop): scripts wait for it, no sleep.",
)
@click.option("--max-upload-mb", default=Limits.max_upload_bytes // MIB, show_default=True)
@click.option("--runs", "run_parallelism", default=1, show_default=True, help="Runs at once.")
@_limit("--workers", "rpc_workers", click.IntRange(min=2), "Threads serving calls.")
@_limit("--max-streams", "max_streams", click.IntRange(min=1), "Streams open at once in all.")
@_limit(
    "--max-streams-per-caller",
    "max_streams_per_caller",
    click.IntRange(min=1),
    "Streams one department may hold open at once.",
)
@_limit(
    "--stream-idle-seconds",
    "stream_idle_seconds",
    click.FloatRange(min=0.1, max=86400.0),
    "Close a client stream that sends nothing for this long.",
)
@_limit(
    "--max-result-pairs",
    "max_result_pairs",
    click.IntRange(min=1),
    "A run with more candidate pairs fails, saying so.",
)
@_limit(
    "--min-threshold",
    "min_threshold",
    UnitInterval(),
    "Runs asking for a lower threshold are refused (0 allows any).",
)
@_limit(
    "--max-disclosure-payloads",
    "max_disclosure_payloads",
    click.IntRange(min=1),
    "Sealed payloads relayed per run and recipient.",
)
@click.option(
    "--key-passphrase-fd",
    "passphrase_fd",
    type=click.IntRange(min=0),
    help="Read the matcher key's passphrase from this file descriptor.",
)
@click.option(
    "--key-passphrase-file",
    "passphrase_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the matcher key's passphrase from this file (mode 0600).",
)
def serve(
    data_dir,
    host,
    port,
    cert,
    key,
    port_file,
    ready_file,
    max_upload_mb,
    run_parallelism,
    passphrase_fd,
    passphrase_file,
    **limit_options,
) -> None:
    """Run the central matcher (gRPC, mutual TLS required) until interrupted.

    Each call is logged on stderr as one JSON line (caller, method, status, ms), never with
    any of its contents.

    An encrypted matcher key is opened with --key-passphrase-fd, --key-passphrase-file (mode
    0600), PPRL_MATCHER_KEY_PASSPHRASE (the matcher then starts itself again without it, so
    its environment never holds it), else a hidden prompt.
    """
    import logging

    from pprl.files import write_atomic
    from transport.keypass import matcher_key_passphrase
    from transport.server import serve as start

    access = logging.getLogger("pprl.access")  # one JSON line per call, on stderr
    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False

    limits = Limits(max_upload_bytes=max_upload_mb * MIB, **limit_options)
    # Before the server starts: with the variable set, this re-executes the process without it.
    matcher_passphrase = matcher_key_passphrase(Path(key), fd=passphrase_fd, file=passphrase_file)
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
    # The ready file before the port file: whoever waits on the port file sees both.
    if ready_file:
        write_atomic(Path(ready_file), f"{host}:{server.port}\n".encode())
    if port_file:
        write_atomic(Path(port_file), str(server.port).encode())
    click.echo(f"matcher listening on {host}:{server.port} (mutual TLS); data in {data_dir}")
    if server.resumed_runs:
        click.echo(f"resumed {len(server.resumed_runs)} unfinished run(s)")
    try:
        stop.wait()
    finally:
        if ready_file:
            Path(ready_file).unlink(missing_ok=True)
        server.stop()
    click.echo("matcher stopped; unfinished runs resume at the next start")


@click.command()
@click.option("--wait", default=0.0, show_default=True, help="Keep asking this many seconds.")
@click.option("--service", default="", help="One service, e.g. pprl.v1.Governance [default: all].")
@network_options
def health(remote, wait: float, service: str) -> None:
    """Ask the matcher's gRPC health service (over mutual TLS); exit 0 once it is SERVING."""
    import time

    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + wait
    with remote.connect() as client:
        stub = health_pb2_grpc.HealthStub(client.channel)
        while True:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.RpcError as exc:
                status = exc.code().name
            if status == "SERVING" or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
    click.echo(f"{remote.server}: {status.lower()}")
    if status != "SERVING":
        raise click.exceptions.Exit(1)


@click.command()
@click.argument("encoded", type=click.Path(exists=True, dir_okay=False))
@click.option("--agreement", "agreement_id", required=True)
@click.option("--name", "dataset_name", required=True, help="Dataset name at the matcher.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@output_options
@client_options
def upload(client, output, encoded, agreement_id, dataset_name, quiet) -> None:
    """Upload an encoded dataset (signed with the department's key; resumes if interrupted)."""
    with ProgressBar("B", unit_scale=True, cumulative=True, quiet=quiet) as progress:
        report = client.upload(
            encoded, agreement_id=agreement_id, dataset_name=dataset_name, progress=progress
        )
    resumed = f" (resumed at byte {report.resumed_from})" if report.resumed_from else ""
    output.emit(
        report.dataset_id,
        {
            "dataset_id": report.dataset_id,
            "records": report.record_count,
            "bytes": report.total_bytes,
            "resumed_from": report.resumed_from,
        },
        f"dataset {report.dataset_id}: {report.record_count} records, "
        f"{report.total_bytes} bytes{resumed}",
    )


@click.group()
def run() -> None:
    """Matching runs at the matcher: create, list, status, cancel, results, report."""


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
@output_options
@client_options
def run_create(
    client,
    output,
    agreement_id,
    dataset_a,
    dataset_b,
    threshold,
    blocking,
    solver,
    duplicates_at,
    watch,
):
    """Start a cross-match of two uploaded datasets under an agreement.

    With --id-only or --json the progress goes to stderr and stdout gets the run id or the
    final status once the run ends (or at once with --no-watch).
    """
    status = client.create_run(
        agreement_id,
        dataset_a,
        dataset_b,
        threshold=0.0 if threshold is ThresholdRule.AUTO else threshold,  # 0: auto
        blocking=blocking_value(blocking),
        solver=solver_value(solver),
        duplicates_at=duplicates_at,
    )
    quiet = output.mode != "text"
    _print_status(status, err=quiet)
    if watch:
        status = _watch(client, status.run_id, status, err=quiet, output=output)
    elif quiet:
        output.emit(status.run_id, _status_dict(status), "")


def _watch(client, run_id: str, last=None, *, err: bool = False, output=None):
    for status in client.watch(run_id):
        if status != last:
            _print_status(status, err=err)
        last = status
    if output is not None and output.mode != "text" and last is not None:
        output.emit(last.run_id, _status_dict(last), "")
    if last is not None and last.state != runs_pb2.SUCCEEDED:
        raise click.exceptions.Exit(1)
    return last


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


@run.command("list")
@click.option("--agreement", "agreement_id", default=None, help="Only runs under this agreement.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@client_options
def run_list(client, agreement_id, as_json):
    """Runs under agreements this party is a party to, oldest first."""
    for status in client.list_runs(agreement_id):
        if as_json:
            click.echo(json.dumps(_status_dict(status)))
        else:
            _print_status(status)


@run.command("cancel")
@click.argument("run_id")
@client_options
def run_cancel(client, run_id):
    """Cancel a queued or running run."""
    _print_status(client.cancel_run(run_id))


@run.command("results")
@click.argument("run_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV to write.")
@click.option(
    "--map",
    "map_path",
    type=click.Path(exists=True, dir_okay=False),
    help="This department's X.map.parquet: add each pair's own record_id.",
)
@client_options
def run_results(client, run_id, out, map_path):
    """Fetch the matched pairs as this department may see them: match_id, own_token, score,
    probability (and record_id with --map)."""
    from transport.disclosure import with_record_ids

    side, table = client.results(run_id)
    if map_path:
        table = with_record_ids(table, map_path)
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


@click.group()
def dataset() -> None:
    """This department's datasets at the matcher: list, delete."""


@dataset.command("list")
@click.option("--agreement", "agreement_id", default=None, help="Only under this agreement.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@client_options
def dataset_list(client, agreement_id, as_json):
    """One line per dataset this department uploaded: id, agreement, records, key id."""
    for info in client.datasets(agreement_id):
        row = {
            "dataset_id": info.dataset_id,
            "agreement_id": info.agreement_id,
            "dataset_name": info.dataset_name,
            "records": info.record_count,
            "key_id": info.key_id,
        }
        if as_json:
            click.echo(json.dumps(row))
        else:
            click.echo("\t".join(str(v) for v in row.values()))


@dataset.command("delete")
@click.argument("dataset_id")
@client_options
def dataset_delete(client, dataset_id):
    """Delete one of this department's datasets at the matcher (runs keep their results)."""
    info = client.delete_dataset(dataset_id)
    click.echo(f"deleted {info.dataset_id} ({info.record_count} records)")


@click.command()
@click.option("--run", "run_id", required=True)
@click.option("--agreement", "agreement_id", required=True)
@click.option("--map", "map_path", required=True, type=click.Path(exists=True))
@click.option("--source", "source_path", required=True, type=click.Path(exists=True))
@click.option("--field", "fields", multiple=True, help="Field to release (default: all agreed).")
@click.option("--column", "columns", multiple=True, help="FIELD=COLUMN in the source extract.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of a CSV.")
@output_options
@client_options
def disclose(
    client, output, run_id, agreement_id, map_path, source_path, fields, columns, encoding
):
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
    output.emit(
        "\n".join(report.disclosure_ids),
        {
            "disclosure_ids": list(report.disclosure_ids),
            "records": report.records,
            "fields": list(report.fields),
            "recipient": report.recipient,
        },
        f"sealed {report.records} records ({', '.join(report.fields)}) to {report.recipient}: "
        f"{', '.join(report.disclosure_ids)}",
    )


@click.command()
@click.option("--run", "run_id", required=True)
@click.option("--agreement", "agreement_id", required=True)
@click.option("--map", "map_path", required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@client_options
def receive(client, run_id, agreement_id, map_path, out):
    """Consumer: collect, verify and decrypt disclosed fields for its matched records.

    Each payload stands alone: one that fails a check is skipped and named (exit 1), the
    others are received into OUT.
    """
    from transport.disclosure import receive as collect

    report = collect(client, run_id, agreement_id, map_path=map_path, out_path=out)
    click.echo(f"{report.records} disclosed records from {report.payloads} payload(s) in {out}")
    if report.refused:  # the others are in `out`; these were skipped whole
        listed = ", ".join(f"{r.disclosure_id} ({r.reason})" for r in report.refused[:3])
        more = f" and {len(report.refused) - 3} more" if len(report.refused) > 3 else ""
        raise IntegrityError(
            f"{len(report.refused)} of {report.payloads + len(report.refused)} payload(s) "
            f"refused and skipped: {listed}{more}"
        )


def register(main: click.Group) -> None:
    from transport import cli_governance, cli_profile

    commands = (serve, upload, dataset, run, disclose, receive, cli_profile.profile, health)
    for command in commands:
        main.add_command(command)
    cli_governance.register(main)

"""Item 5: `pprl warnings list | head` and `pprl audit show | head` end quietly, not in a crash.

Each command runs as MCA in a real process of its own, reading from the real matcher over the
network, its stdout a pipe the reader closes after one line.
"""

from __future__ import annotations

import subprocess

from deploy_world import matched_run

from pprl.clitools import BROKEN_PIPE_EXIT

WARNINGS = 2000  # a listing far larger than a pipe's buffer (64 KiB), as is MCA's audit log


def _head_one_line(deployment, *args: str) -> tuple[int, bytes, bytes]:
    """`pprl ARGS | head -1` as MCA: read one line, close the pipe, collect exit code, stderr."""
    proc = deployment.popen("MCA", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=60), first, err


def test_cli_broken_pipe(deployment, in_force, tmp_path):
    # Blue warnings have no deadline, so the holiday calendar's coverage does not matter here.
    run, _, matches = matched_run(
        deployment, tmp_path, in_force, ("left-set", "right-set"), (WARNINGS,) * 3, seed=5
    )
    rules = deployment.home("MCA") / "pipe-rules.json"
    rules.write_text(
        '{"format": "pprl-warning-rules/1", "version": "pipe-test", "rules": [{"id": "pipe",'
        ' "datasets": ["left-set", "right-set"], "level": "blue",'
        ' "disposition_hint": "discuss-case-by-case", "why": "test"}]}',
        encoding="utf-8",
    )
    deployment.pprl(
        "MCA", "warnings", "issue", "--run", run, "--agreement", in_force, "--rules", str(rules),
        "--left-dataset", "left-set", "--right-dataset", "right-set",
    )  # fmt: skip
    for command in (["warnings", "list"], ["audit", "show"]):
        code, first, err = _head_one_line(deployment, *command)
        assert first  # the reader got its line
        # Quiet, as a Unix tool killed by SIGPIPE: no traceback, no "error:", no message.
        assert code == BROKEN_PIPE_EXIT, (command, code, err)
        assert err == b"", (command, err)
    # The listing was past a pipe's buffer: cut off, not written whole before the reader left.
    listed = deployment.pprl("MCA", "warnings", "list").stdout
    assert len(listed.splitlines()) >= matches and len(listed.encode()) > 64 * 1024
    assert len(deployment.pprl("MCA", "audit", "show").stdout.encode()) > 64 * 1024

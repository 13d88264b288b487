"""Item 5: `pprl warnings list | head` and `pprl audit show | head` end quietly, not in a crash."""

from __future__ import annotations

import subprocess
from pathlib import Path

from robustness_cli import PPRL

from governance import pki
from governance.store import DB_FILE, GovernanceStore
from governance.warning_pairs import MatchedPair, PairSource
from governance.warning_rules import load_rules
from pprl.clitools import BROKEN_PIPE_EXIT

WARNINGS = 2000  # a listing far larger than a pipe's buffer (64 KiB)


def _rules(tmp_path: Path) -> Path:
    # Blue warnings have no deadline, so the holiday calendar's coverage does not matter here.
    path = tmp_path / "rules.json"
    path.write_text(
        '{"format": "pprl-warning-rules/1", "version": "pipe-test", "rules": [{"id": "pipe",'
        ' "datasets": ["left-set", "right-set"], "level": "blue",'
        ' "disposition_hint": "discuss-case-by-case", "why": "test"}]}',
        encoding="utf-8",
    )
    return path


def _head_one_line(*args: str) -> tuple[int, bytes, bytes]:
    """`pprl ARGS | head -1`: read one line, close the pipe, collect exit code and stderr."""
    proc = subprocess.Popen(
        [PPRL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=60), first, err


def test_cli_broken_pipe(world, tmp_path):
    party = world.parties["MCA"]
    signer = pki.Signer.load(party.cert, party.key, None)
    agreement = world.agreements["mps-registry"]
    pairs = tuple(MatchedPair(f"{i:032x}", f"{i + 1:032x}", 0.9) for i in range(WARNINGS))
    with GovernanceStore(world.matcher_dir / DB_FILE) as store:
        store.issue_warnings(
            signer,
            agreement,
            PairSource("pipe-test", pairs),
            "left-set",
            "right-set",
            rules=load_rules(_rules(tmp_path)),
            seed=1,
        )
    data = ["--data-dir", str(world.matcher_dir)]
    for command in (["warnings", "list", *data], ["audit", "show", *data]):
        code, first, err = _head_one_line(*command)
        assert first  # the reader got its line
        # Quiet, as a Unix tool killed by SIGPIPE: no traceback, no "error:", no message.
        assert code == BROKEN_PIPE_EXIT, (command, code, err)
        assert b"Traceback" not in err and b"BrokenPipe" not in err and b"error" not in err

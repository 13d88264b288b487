"""Runs in the background: a queue, one worker process per run, cancellation and recovery.

The manager never holds a run's truth in memory: it is in the run's files (`runstate`), so a
status call, a restarted server and the worker all read the same thing.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import subprocess
import sys
import threading
from pathlib import Path

from pprl.errors import NotFound
from transport.childenv import child_environment
from transport.runstate import RUN_FAILED, RUNS_SUBDIR, RunFiles, RunSpec, RunState, RunStatus

log = logging.getLogger("pprl.transport")


class RunManager:
    def __init__(self, data_dir: Path, *, parallel: int = 1, max_pairs: int | None = None) -> None:
        self.root = data_dir / RUNS_SUBDIR
        self.max_pairs = max_pairs  # a run past this many candidate pairs fails, saying so
        self.root.mkdir(parents=True, exist_ok=True)
        self.datasets = data_dir / "datasets"
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._procs: dict[str, subprocess.Popen] = {}
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._dispatch, name=f"run-dispatch-{i}", daemon=True)
            for i in range(parallel)
        ]

    def files(self, run_id: str) -> RunFiles:
        files = RunFiles(self.root, run_id)
        if not files.exists:
            raise NotFound("unknown run")
        return files

    def run_ids(self) -> list[str]:
        """Every run this matcher holds."""
        return sorted(p.parent.name for p in self.root.glob("run-*/spec.json"))

    def start(self) -> list[str]:
        """Start dispatching; queue again every run a previous server left unfinished."""
        resumed = []
        for spec_path in sorted(self.root.glob("run-*/spec.json")):
            files = RunFiles(self.root, spec_path.parent.name)
            status = files.status()
            if not status.state.final:
                files.write_status(status.moved(state=RunState.QUEUED, stage="queued", progress=0))
                self._queue.put(files.run_id)
                resumed.append(files.run_id)
        for thread in self._threads:
            thread.start()
        return resumed

    def stop(self) -> None:
        """Stop workers without marking their runs: the next start resumes them."""
        with self._lock:
            self._stopping = True
            procs = list(self._procs.values())
        for proc in procs:
            proc.terminate()
        for _ in self._threads:
            self._queue.put(None)

    def create(self, spec_without_id: dict) -> RunSpec:
        run_id = f"run-{secrets.token_hex(8)}"
        spec = RunSpec(run_id=run_id, **spec_without_id)
        RunFiles(self.root, run_id).write_spec(spec)
        self._queue.put(run_id)
        return spec

    def cancel(self, run_id: str) -> RunStatus:
        files = self.files(run_id)
        with self._lock:
            self._cancelled.add(run_id)
            proc = self._procs.get(run_id)
        if proc is not None:
            proc.terminate()
            proc.wait()
        status = files.status()
        if not status.state.final:
            status = status.moved(state=RunState.CANCELLED, stage="cancelled")
            files.write_status(status)
        return status

    def _dispatch(self) -> None:
        while True:
            run_id = self._queue.get()
            if run_id is None:
                return
            try:
                self._execute(run_id)
            except Exception:  # keep dispatching; the log records why the run failed
                log.exception("run %s could not be executed", run_id)
                files = RunFiles(self.root, run_id)
                files.write_status(
                    files.status().moved(state=RunState.FAILED, stage="failed", message=RUN_FAILED)
                )

    def _execute(self, run_id: str) -> None:
        files = RunFiles(self.root, run_id)
        with self._lock:
            if self._stopping or run_id in self._cancelled or files.status().state.final:
                return
            status = files.status()
            files.write_status(
                status.moved(state=RunState.RUNNING, stage="starting", attempts=status.attempts + 1)
            )
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "transport.run_worker",
                    str(files.dir),
                    str(self.datasets),
                    str(os.getpid()),
                    *([str(self.max_pairs)] if self.max_pairs is not None else []),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=child_environment(),  # no passphrase reaches a run worker
            )
            self._procs[run_id] = proc
        _, err = proc.communicate()
        with self._lock:
            self._procs.pop(run_id, None)
            if self._stopping or run_id in self._cancelled:
                return
        detail = err.decode(errors="replace").strip()
        if proc.returncode or detail:
            log.error("run %s: worker exit %s\n%s", run_id, proc.returncode, detail[-4000:])
        status = files.status()
        if not status.state.final:
            files.write_status(
                status.moved(state=RunState.FAILED, stage="failed", message=RUN_FAILED)
            )

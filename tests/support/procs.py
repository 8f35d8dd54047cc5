"""Stages as separate processes (`newsflow run --stages ...`), killed and restarted by tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from newsflow.core.settings import Settings


def stage_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a stage process sharing ``settings``' broker, topics and groups."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    for name in sorted(settings.model_fields_set):
        value = getattr(settings, name)
        if value is None:
            continue
        env[f"NEWSFLOW_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env["NEWSFLOW_WORKERS"] = "1"
    env["NEWSFLOW_METRICS_PORT"] = "0"
    env["NEWSFLOW_LOG_FORMAT"] = "json"
    env.update(extra)
    return env


def children(pid: int) -> list[int]:
    """Every live descendant of ``pid``."""
    by_parent: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        by_parent.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class StageProcess:
    """One `newsflow run --stages ...` process; :meth:`kill` is a SIGKILL of it alone."""

    def __init__(self, settings: Settings, stages: str, log: Path, **env: str) -> None:
        self.settings = settings
        self.stages = stages
        self.log = log
        self.env = stage_env(settings, **env)
        self.proc: subprocess.Popen[bytes] | None = None
        self._descendants: set[int] = set()

    def start(self) -> StageProcess:
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "newsflow.cli", "run", "--stages", self.stages],
                env=self.env, stdout=subprocess.DEVNULL, stderr=err, cwd="/",
            )
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the stage process (its workers are left to notice on their own)."""
        if self.proc is None:
            return
        self._descendants.update(children(self.proc.pid))
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> int | None:
        """SIGTERM and wait; SIGKILL if it does not stop."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._descendants.update(children(self.proc.pid))
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        return self.proc.returncode

    def reap(self) -> None:
        """End whatever this process left behind (its worker processes), by pid."""
        self.kill()
        for pid in self._descendants:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

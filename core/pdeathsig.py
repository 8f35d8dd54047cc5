"""Child processes that die with their parent, by any signal (Linux ``PR_SET_PDEATHSIG``).

A worker process or the embedded broker must not outlive ``newsflow`` when it
is SIGKILLed (the OOM killer, ``kill -9``, a supervisor): nothing would ever
stop it. The child asks the kernel for a SIGKILL when its parent goes. The
signal fires when the *thread* that started the child exits, not the process:
children are started from the thread that lives as long as the parent (the
event loop's). A parent that died before the request was made is caught by
checking ``os.getppid()`` once, right after it. Elsewhere than Linux this is a
no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


#: Resolved once in the parent, so a freshly forked child only makes the call.
_PRCTL = _load_prctl()


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent dies; exit at once if it is already gone."""
    if _PRCTL is None:
        return
    _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def preexec_die_with_parent() -> Callable[[], None]:
    """A ``subprocess.Popen(preexec_fn=...)`` that makes the child die with this process."""
    return functools.partial(die_with_parent, os.getpid())

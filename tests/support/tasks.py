"""Tasks for worker pools under test.

Kept in a module of their own with light imports: a worker imports a task's
module when it unpickles its first task, and that time counts against the
task's deadline.
"""

from __future__ import annotations

import os
import time


def pid_and_group() -> tuple[int, int]:
    return os.getpid(), os.getpgrp()


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def sleep_each(seconds: list[float]) -> list[float]:
    return [sleep(s) for s in seconds]


def die() -> None:
    os._exit(3)

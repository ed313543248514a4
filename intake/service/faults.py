"""Which failures are worth waiting out, and how long to wait.

A transient fault is one of the service's own surroundings (the blob store unreachable, a full
disk, the database gone or timing out, the broker down): the file is not at fault, so it goes back
to the queue with a growing delay instead of ending `failed`. Everything else that breaks while a
file is read is the file's own problem (or a bug) and counts as an attempt.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from intake.store.blobs import StoreUnavailable

T = TypeVar("T")

_DISK = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS}


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, StoreUnavailable | OperationalError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OSError) and exc.errno in _DISK:
        return True
    # kombu/redis/amqp connection errors, without importing them on the embedded path
    return type(exc).__name__ in {"OperationalError", "ConnectionError", "TimeoutError", "ConnectionRefusedError"} or (
        isinstance(exc, ConnectionError | TimeoutError)
    )


def backoff(failures: int, base: float, cap: float) -> float:
    """Seconds before try number failures+1: base, 2·base, 4·base … up to cap."""
    return float(min(cap, base * (2 ** max(0, failures - 1))))


def retried(fn: Callable[[], T], attempts: int = 3, first_wait: float = 0.2) -> T:
    """fn() tried again on a transient fault, a few times within about a second: a blip of the store
    or the database does not cost a whole re-queue. A longer outage is raised for the caller."""
    for attempt in Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=first_wait, max=2.0),
        retry=retry_if_exception(is_transient),
        reraise=True,
    ):
        with attempt:
            return fn()
    raise AssertionError("unreachable")  # pragma: no cover - Retrying either returns or raises

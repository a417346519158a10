"""Calls made at once from several threads, to catch races on lazily built state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def at_once(call: Callable[[], T], threads: int = 8) -> list[T]:
    """``call``'s results from ``threads`` threads released together by a barrier."""
    barrier = threading.Barrier(threads)

    def together() -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: together(), range(threads)))


def slowly(build: Callable[[], T], seconds: float = 0.05) -> Callable[[], T]:
    """``build`` taking ``seconds`` longer: wide enough a window for every racing thread to enter."""

    def slow() -> T:
        time.sleep(seconds)
        return build()

    return slow

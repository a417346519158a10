"""A ring buffer of the latest posts, to pick reply, retweet and quote targets from in constant time."""

from __future__ import annotations

import random
from typing import Generic, TypeVar

T = TypeVar("T")


class Recent(Generic[T]):
    """The latest ``size`` items added; older ones are overwritten in turn."""

    def __init__(self, size: int) -> None:
        self._items: list[T] = []
        self._size = size
        self._next = 0

    def add(self, item: T) -> None:
        if len(self._items) < self._size:
            self._items.append(item)
        else:
            self._items[self._next] = item
        self._next = (self._next + 1) % self._size

    def pick(self, rng: random.Random) -> T | None:
        return rng.choice(self._items) if self._items else None

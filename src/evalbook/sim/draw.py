"""Deterministic "random" draws for the simulator.

Every uncertain behaviour of a simulated model (does it skip the refund tool this time? does it answer from
stale memory?) is decided by a named draw. A draw is a number in [0, 1) computed from a hash of the request
material and the draw's name, so the same request always gets the same outcome, in any order and from any
thread, and two different behaviours of the same request are independent of each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Draw:
    """Named, reproducible pseudo-random numbers derived from ``material`` (a string)."""

    def __init__(self, material: str):
        self.material = material

    def uniform(self, name: str) -> float:
        digest = hashlib.sha256(f"{self.material}\x1f{name}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def chance(self, name: str, probability: float) -> bool:
        """True with the given probability (deterministically for this material and name)."""
        return self.uniform(name) < probability

    def choice(self, name: str, options: Sequence[T]) -> T:
        return options[int(self.uniform(name) * len(options)) % len(options)]

    def integer(self, name: str, low: int, high: int) -> int:
        """An integer in [low, high], inclusive."""
        return low + int(self.uniform(name) * (high - low + 1))

"""Type tests that treat numpy's scalars like Python's.

A value read from a DataFrame (``row["should_escalate"]``, ``df["n"].max()``) is a numpy scalar, not a Python
bool or int; learners pass such values straight on, and they must be accepted wherever the Python type is.
"""

from __future__ import annotations

import numbers

import numpy as np


def is_bool(value) -> bool:
    """True for True/False, Python's or numpy's."""
    return isinstance(value, (bool, np.bool_))


def is_whole_number(value) -> bool:
    """True for an int (Python's or numpy's), never for a bool."""
    return isinstance(value, numbers.Integral) and not is_bool(value)

"""Lab exercises: ``from evalbook.exercises import lab01`` then ``lab01.q1.check(answer)``, ``.hint()``, ``.hint(2)``,
``.solution()``; ``lab01.think1.answer()`` reveals a *Think about it* model answer.

Each lesson NN adds a module ``labNN.py`` here that defines its exercises as module attributes (``q1``, ``q2``,
...) built with :class:`Exercise`, and its *Think about it* answers (``think1``, ...) built with :class:`Question`.
:func:`registry` and :func:`questions` find every ``lab*`` module by themselves, so a new lab's exercises are tested
both ways by ``tests/test_exercises.py`` without being listed anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from .core import (
    Accepted,
    Exercise,
    Ids,
    Mistake,
    Outcome,
    Question,
    each,
    id_feedback,
    interval_feedback,
    ready,
    same,
    same_ids,
    table_feedback,
)

__all__ = [
    "Accepted",
    "Exercise",
    "Ids",
    "Mistake",
    "Outcome",
    "Question",
    "each",
    "id_feedback",
    "interval_feedback",
    "lab_modules",
    "questions",
    "ready",
    "registry",
    "same",
    "same_ids",
    "table_feedback",
]


def lab_modules() -> list[ModuleType]:
    """Every ``evalbook.exercises.lab*`` module, imported, in name order."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("lab"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def registry() -> dict[str, dict[str, Exercise]]:
    """``{"lab01": {"q1": <Exercise>, ...}, ...}``: the exercises each lab module defines, in definition order."""
    return {
        module.__name__.rsplit(".", 1)[-1]: {
            name: value for name, value in vars(module).items() if isinstance(value, Exercise)
        }
        for module in lab_modules()
    }


def questions() -> dict[str, dict[str, Question]]:
    """``{"lab01": {"think1": <Question>, ...}, ...}``: the *Think about it* answers each lab module defines."""
    return {
        module.__name__.rsplit(".", 1)[-1]: {
            name: value for name, value in vars(module).items() if isinstance(value, Question)
        }
        for module in lab_modules()
    }

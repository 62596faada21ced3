"""Lab exercises: ``from evalbook.exercises import lab01`` then ``lab01.q1.check(answer)``, ``.hint()``, ``.solution()``.

Each lesson NN adds a module ``labNN.py`` here that defines its exercises as module attributes (``q1``, ``q2``,
...) built with :class:`Exercise`. :func:`registry` finds every ``lab*`` module by itself, so a new lab's
exercises are tested both ways by ``tests/test_exercises.py`` without being listed anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from .core import Exercise, Mistake, Outcome, same

__all__ = ["Exercise", "Mistake", "Outcome", "lab_modules", "registry", "same"]


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

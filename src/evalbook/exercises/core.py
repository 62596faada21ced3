"""Checks, hints and solutions for lab exercises (in the spirit of Kaggle's learntools).

An exercise grades what the learner computed on fixed data that ships with evalbook, never a live model's
output, so a check gives the same verdict in every mode. A check tells three states apart and *prints* them:

* **not attempted**: the lab's placeholder ``...`` is still there (a value, or a function that returns it);
* **incorrect**: with the most specific message available: a wrong type, the learner's own exception, one of the
  realistic mistakes the exercise author declared (with the author's message), or a generic "not yet";
* **correct**.

Because every exercise declares its answer and its realistic mistakes as data, one generic test
(``tests/test_exercises.py``) proves each of them both ways.
"""

from __future__ import annotations

import copy
import html
import math
import numbers
import re
import reprlib
import sys
import sysconfig
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._values import is_bool, is_whole_number

Status = Literal["correct", "incorrect", "not attempted"]

_EVALBOOK_DIR = Path(__file__).resolve().parents[1]
_LIBRARY_DIRS = tuple(
    {
        Path(p).resolve()
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_path(key))
    }
)
_NO_ANSWER = object()

_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlist, _short.maxdict, _short.maxlevel = 60, 60, 4, 4, 3


def _shorten(value: Any, limit: int = 70) -> str:
    """A short repr for messages; tables and long containers are described rather than printed."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, pandas.DataFrame):
        return f"<DataFrame, {len(value)} rows x {len(value.columns)} columns>"
    if pandas is not None and isinstance(value, pandas.Series):
        return f"<Series, {len(value)} values>"
    try:
        text = _short.repr(value)
    except Exception:  # a learner's object with a broken __repr__
        return f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    try:
        return f"<{type(value).__name__} of {len(value)} items>"
    except TypeError:
        return text[: limit - 3] + "..."


@dataclass(frozen=True)
class Outcome:
    """The verdict on one answer. ``check`` displays it; tests read ``status`` and ``message``."""

    status: Status
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return (
            f"{self.status.capitalize()}: {self.message}" if self.message else f"{self.status.capitalize()}."
        )

    def _repr_html_(self) -> str:
        colours = {"correct": "#1b7f3b", "incorrect": "#b42318", "not attempted": "#5b6472"}
        return _html_box(self.status.capitalize(), self.message, colours[self.status])


def _html_text(text: str) -> str:
    escaped = html.escape(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return escaped.replace("\n", "<br>")


def _html_box(label: str, text: str, colour: str) -> str:
    heading = f"{html.escape(label)}:" if text else f"{html.escape(label)}."
    return (
        f'<div style="border-left: 4px solid {colour}; padding: 0.3em 0.8em; margin: 0.3em 0">'
        f'<strong style="color: {colour}">{heading}</strong> {_html_text(text)}</div>'
    )


def _show(mimebundle: dict[str, str]) -> None:
    """Rich output in IPython (HTML or markdown with a text/plain fallback), plain text anywhere else."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with jupyterlab
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(mimebundle, raw=True)
    else:
        print(mimebundle["text/plain"])


@dataclass(frozen=True)
class Mistake:
    """A realistic wrong answer and what to tell the learner who gives it.

    ``answer`` is an example of the mistake: a value, or for a function exercise a wrong function. By default a
    learner's answer is recognised as this mistake when it equals ``answer`` (for a function exercise: when it
    gives the same results on every case). ``matches`` recognises a whole family instead; it receives the value
    (for a function exercise: the list of results) and returns True for this mistake. ``answer`` must match.
    """

    answer: Any
    message: str
    matches: Callable[[Any], bool] | None = None


def _type_name(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    names = []
    for kind in types:
        if kind in (float, numbers.Real, numbers.Number):
            names.append("a number")
        elif kind in (int, numbers.Integral):
            names.append("a whole number")
        elif kind is bool:
            names.append("True or False")
        elif kind is str:
            names.append("a string")
        elif kind.__module__ == "builtins":
            names.append(f"a {kind.__name__}")
        else:
            names.append(f"a {kind.__module__.split('.')[0]} {kind.__name__}")
    return " or ".join(names)


def _value_type_name(value: Any) -> str:
    if value is None:
        return "None"
    if is_bool(value):
        return "True/False"
    return _type_name(type(value))


def _has_type(value: Any, expected: type | tuple[type, ...]) -> bool:
    for kind in expected if isinstance(expected, tuple) else (expected,):
        if kind in (float, numbers.Real, numbers.Number):
            if isinstance(value, numbers.Real) and not is_bool(value):
                return True
        elif kind in (int, numbers.Integral):
            if is_whole_number(value):
                return True
        elif kind is bool:
            if is_bool(value):
                return True
        elif isinstance(value, kind):
            return True
    return False


def same(a: Any, b: Any) -> bool:
    """Equality that forgives float rounding and compares tables by content (the default comparison)."""
    if a is b:
        return True
    if is_bool(a) or is_bool(b):
        return is_bool(a) and is_bool(b) and bool(a) == bool(b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(a, (pandas.DataFrame, pandas.Series)):
        if type(a) is not type(b):
            return False
        checker = (
            pandas.testing.assert_frame_equal
            if isinstance(a, pandas.DataFrame)
            else pandas.testing.assert_series_equal
        )
        try:
            checker(a, b, check_dtype=False, check_exact=False, rtol=1e-6)
        except AssertionError:
            return False
        return True
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(a, numpy.ndarray):
        return isinstance(b, numpy.ndarray) and a.shape == b.shape and bool(numpy.allclose(a, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def _safe_same(compare: Callable[[Any, Any], bool], a: Any, b: Any) -> bool:
    try:
        return bool(compare(a, b))
    except Exception:  # a learner's value that cannot be compared is simply not equal
        return False


def _learner_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost traceback frame in the learner's code: not evalbook's, not a library's, not the stdlib's."""
    chosen = None
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = frame.filename
        if filename.startswith("<frozen"):
            continue
        try:
            path = Path(filename).resolve()
        except (OSError, ValueError):
            path = None
        if path is not None and (
            path.is_relative_to(_EVALBOOK_DIR) or any(path.is_relative_to(d) for d in _LIBRARY_DIRS)
        ):
            continue
        chosen = frame
    return chosen


def explain_exception(exc: BaseException, call: str) -> str:
    """A friendly account of an exception raised by the learner's function: type, message and their own line."""
    text = (
        f"Your function raised {type(exc).__name__}: {exc}"
        if str(exc)
        else f"Your function raised {type(exc).__name__}."
    )
    frame = _learner_frame(exc)
    if frame is not None and frame.line:
        text += f"\nIn `{frame.name}`, at the line `{frame.line.strip()}`."
    return text + f"\nIt was called as `{call}`. Fix the error and run the check again."


class Exercise:
    """One exercise: a check on fixed data, a hint and a solution.

    Parameters (all keyword-only):
        var: the name the lab asks the learner to define (used in messages), e.g. ``"pass_rate"``.
        answer_type: the type of a correct value (for a function exercise: of what the function returns).
            ``float`` means any real number (not True/False); ``int`` any whole number.
        expected: for a value exercise, a function of no arguments computing the correct value; for a function
            exercise, the reference function itself.
        cases: for a function exercise, the arguments to call the learner's function with (a tuple of positional
            arguments or a dict of keyword arguments per case). Leave out for a value exercise.
        mistakes: at least two realistic :class:`Mistake` s, tried in order after the correct answer.
        hint: one or two sentences that move the learner on without giving the answer away.
        solution: the solution code, runnable in the namespace of the exercise's module (the test runs it).
        praise: an optional sentence added to "Correct." (say why the result matters).
        compare: equality for answers (default :func:`same`).
    """

    def __init__(
        self,
        *,
        var: str,
        answer_type: type | tuple[type, ...],
        expected: Callable[..., Any],
        hint: str,
        solution: str,
        mistakes: Sequence[Mistake] = (),
        cases: Sequence[tuple | dict] | None = None,
        praise: str = "",
        compare: Callable[[Any, Any], bool] = same,
    ):
        self.var = var
        self.answer_type = answer_type
        self.expected = expected
        self.cases = list(cases) if cases is not None else None
        self.mistakes = list(mistakes)
        self.hint_text = hint.strip()
        self.solution_code = solution.strip()
        self.praise = praise
        self.compare = compare
        self._expected_result: Any = _NO_ANSWER

    @property
    def is_function(self) -> bool:
        return self.cases is not None

    # -- the learner's API ----------------------------------------------------------------------------------

    def check(self, answer: Any = _NO_ANSWER) -> None:
        """Grade ``answer`` and display the verdict. Never raises for a wrong answer."""
        if answer is _NO_ANSWER:
            outcome = Outcome(
                "not attempted", f"Pass your answer to the check, for example `.check({self.var})`."
            )
        else:
            outcome = self.grade(answer)
        _show({"text/plain": str(outcome), "text/html": outcome._repr_html_()})

    def hint(self) -> None:
        """Display the hint."""
        _show(
            {
                "text/plain": f"Hint: {self.hint_text}",
                "text/html": _html_box("Hint", self.hint_text, "#175cd3"),
            }
        )

    def solution(self) -> None:
        """Display the solution code."""
        _show(
            {
                "text/plain": f"Solution:\n{self.solution_code}",
                "text/markdown": f"**Solution:**\n\n```python\n{self.solution_code}\n```",
            }
        )

    # -- grading --------------------------------------------------------------------------------------------

    def expected_result(self) -> Any:
        """The correct value (for a function exercise: the list of the reference function's results)."""
        if self._expected_result is _NO_ANSWER:
            self._expected_result = self._results(self.expected) if self.is_function else self.expected()
        return self._expected_result

    def _call_text(self, case: tuple | dict) -> str:
        if isinstance(case, dict):
            args = ", ".join(f"{key}={_shorten(value)}" for key, value in case.items())
        else:
            args = ", ".join(_shorten(value) for value in case)
        return f"{self.var}({args})"

    def _call(self, function: Callable, case: tuple | dict) -> Any:
        case = copy.deepcopy(case)  # the learner's function must not be able to change the fixed data
        return function(**case) if isinstance(case, dict) else function(*case)

    def _results(self, function: Callable) -> list[Any]:
        return [self._call(function, case) for case in self.cases or []]

    def _not_attempted(self) -> Outcome:
        if self.is_function:
            text = f"Write the body of `{self.var}` in place of `return ...`, run that cell, then run this check."
        else:
            text = f"Replace the `...` in `{self.var} = ...` with your answer, run that cell, then run this check."
        return Outcome("not attempted", text)

    def _wrong_type(self, value: Any, context: str) -> Outcome:
        if value is None:
            extra = " Did you forget a `return`?" if self.is_function else ""
            return Outcome(
                "incorrect",
                f"{context} None, but the answer should be {_type_name(self.answer_type)}.{extra}",
            )
        return Outcome(
            "incorrect",
            f"{context} {_value_type_name(value)} ({_shorten(value)}), "
            f"but the answer should be {_type_name(self.answer_type)}.",
        )

    def grade(self, answer: Any) -> Outcome:
        """The verdict on ``answer``, without displaying it."""
        if answer is Ellipsis:
            return self._not_attempted()
        if self.is_function:
            if not callable(answer):
                return Outcome(
                    "incorrect",
                    f"`{self.var}` should be a function (defined with `def {self.var}(...)`), "
                    f"but it is {_value_type_name(answer)} ({_shorten(answer)}).",
                )
            results = []
            for case in self.cases or []:
                try:
                    result = self._call(answer, case)
                except Exception as exc:
                    return Outcome("incorrect", explain_exception(exc, self._call_text(case)))
                if result is Ellipsis:
                    return self._not_attempted()
                if not _has_type(result, self.answer_type):
                    return self._wrong_type(result, f"`{self._call_text(case)}` returned")
                results.append(result)
            value = results
        else:
            if not _has_type(answer, self.answer_type):
                return self._wrong_type(answer, f"`{self.var}` is")
            value = answer

        if _safe_same(self.compare, value, self.expected_result()):
            return Outcome("correct", self.praise)
        for mistake in self.mistakes:
            if self._is_mistake(mistake, value):
                return Outcome("incorrect", mistake.message)
        shown = "" if self.is_function else f" Your value is {_shorten(value)}."
        return Outcome("incorrect", f"Not yet.{shown} Run `.hint()` on this exercise for a nudge.")

    def _is_mistake(self, mistake: Mistake, value: Any) -> bool:
        if mistake.matches is not None:
            try:
                return bool(mistake.matches(value))
            except Exception:
                return False
        try:
            example = self._results(mistake.answer) if self.is_function else mistake.answer
        except Exception:
            return False
        return _safe_same(self.compare, value, example)

    def __repr__(self) -> str:
        kind = "function" if self.is_function else "value"
        return f"<Exercise {self.var!r} ({kind}): use .check(...), .hint(), .solution()>"

"""Checks, hints, solutions and *Think about it* answers for lab exercises (in the spirit of Kaggle's learntools).

An exercise grades what the learner computed on fixed data that ships with evalbook, never a live model's
output, so a check gives the same verdict in every mode. A check tells three states apart and *prints* them:

* **not attempted**: the lab's placeholder ``...`` is still there (a value, or a function that returns it);
* **incorrect**: with the most specific message available: a wrong type, a call of the library function the
  exercise asks the learner to write, the learner's own exception, one of the realistic mistakes the exercise
  author declared (with the author's message), a near-miss diagnosis (ids right, missing and extra; a transposed
  table; swapped bounds), or a generic "not yet";
* **correct**: the answer, or another answer the author accepts (for example a stronger check than the one asked
  for), each with its own message.

Hints come in steps: ``q1.hint()`` gives a nudge, ``q1.hint(2)`` the recipe. A :class:`Question` holds the model
answer to a *Think about it* question, revealed with ``think1.answer()``. :func:`ready` lets a cell that uses an
answer say "finish exercise N first" instead of printing ``Ellipsis``.

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
import types
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
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
_GREY, _GREEN, _RED, _BLUE = "#5b6472", "#1b7f3b", "#b42318", "#175cd3"

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


def _plain(value: Any) -> Any:
    """numpy's scalars as Python's, so that a message shows 'L-21', not np.str_('L-21')."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _full(items: Sequence[Any], limit: int = 200) -> str:
    """The whole list for a message (up to ``limit`` items), with numpy scalars shown as Python's."""
    shown = [_plain(v) for v in items[:limit]]
    try:
        text = repr(shown)
    except Exception:
        return f"<{len(items)} items>"
    return text if len(items) <= limit else text[:-1] + f", ... and {len(items) - limit} more]"


def _names(labels: Sequence[Any]) -> str:
    return ", ".join(repr(_plain(v)) for v in labels)


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


@dataclass(frozen=True)
class Outcome:
    """The verdict on one answer. ``check`` displays it; tests read ``status`` and ``message``.

    ``title`` replaces the status in what is shown (for example "Correct, and stronger than asked").
    """

    status: Status
    message: str
    title: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def heading(self) -> str:
        return self.title or self.status.capitalize()

    def __str__(self) -> str:
        return f"{self.heading}: {self.message}" if self.message else f"{self.heading}."

    def _repr_html_(self) -> str:
        colours = {"correct": _GREEN, "incorrect": _RED, "not attempted": _GREY}
        return _html_box(self.heading, self.message, colours[self.status])


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


def _caller_module(depth: int = 2) -> str:
    """The name of the module that called the constructor (the lab module that defines the object)."""
    try:
        return sys._getframe(depth).f_globals.get("__name__", "")
    except ValueError:  # pragma: no cover - a shallow stack
        return ""


def _label_in(module_name: str, obj: Any) -> str | None:
    """``lab01.q1``: the short module name and the attribute that holds ``obj``, as a lab writes it."""
    module = sys.modules.get(module_name)
    if module is None:
        return None
    for name, value in vars(module).items():
        if value is obj and not name.startswith("_"):
            return f"{module_name.rsplit('.', 1)[-1]}.{name}"
    return None


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


@dataclass(frozen=True)
class Accepted:
    """Another answer that counts as correct, with its own message: typically a stronger check than the one asked
    for, so that a learner who applies an earlier lab is never marked wrong for it.

    Recognised like a :class:`Mistake` (equal to ``answer``, or ``matches``); shown under ``title``.
    """

    answer: Any
    message: str
    matches: Callable[[Any], bool] | None = None
    title: str = "Correct, and stronger than asked"


@dataclass(frozen=True)
class Ids:
    """``answer_type`` for a collection of ids: any order, and a list, tuple, set, pandas Series or Index or numpy
    array all count. Each id must appear once.

    An exercise with this answer type compares with :func:`same_ids` and, when an answer is wrong, says how many
    ids are right, missing and extra (:func:`id_feedback`), unless the author passes ``compare`` or ``diagnose``.

    ``noun``: what the ids are, for messages ("claim ids"). ``example``: what one id looks like ("'L-01'"), for a
    learner who passes row numbers or whole records. ``pick``: how to go from the rows they selected (a True/False
    mask or a table) to the ids, e.g. "take the `claim_id` column of those rows: `CLAIMS.loc[mask, 'claim_id']`".
    """

    noun: str = "ids"
    example: str = ""
    pick: str = ""


def _type_name(expected: Any) -> str:
    types_ = expected if isinstance(expected, tuple) else (expected,)
    names = []
    for kind in types_:
        if isinstance(kind, Ids):
            names.append(f"a list of {kind.noun}")
        elif kind in (float, numbers.Real, numbers.Number):
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
    if len(names) <= 2:
        return " or ".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _value_type_name(value: Any) -> str:
    if value is None:
        return "None"
    if is_bool(value):
        return "True/False"
    return _type_name(type(value))


def _is_table(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _is_id_collection(value: Any) -> bool:
    """A list, tuple, set, Series, Index, 1-d array, dict view...: anything with a length one can iterate, except a
    string, a mapping or a table."""
    if isinstance(value, (str, bytes, Mapping)) or _is_table(value):
        return False
    if getattr(value, "ndim", 1) != 1:
        return False
    return isinstance(value, Collection)


def _has_type(value: Any, expected: Any) -> bool:
    for kind in expected if isinstance(expected, tuple) else (expected,):
        if isinstance(kind, Ids):
            if _is_id_collection(value):
                return True
        elif kind in (float, numbers.Real, numbers.Number):
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


def _ids_type(expected: Any) -> Ids | None:
    for kind in expected if isinstance(expected, tuple) else (expected,):
        if isinstance(kind, Ids):
            return kind
    return None


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


def each(compare: Callable[[Any, Any], bool]) -> Callable[[list, list], bool]:
    """For a function exercise: compare its list of results case by case with ``compare``."""

    def compare_each(a: list, b: list) -> bool:
        return len(a) == len(b) and all(compare(x, y) for x, y in zip(a, b, strict=True))

    return compare_each


def _safe_same(compare: Callable[[Any, Any], bool], a: Any, b: Any) -> bool:
    try:
        return bool(compare(a, b))
    except Exception:  # a learner's value that cannot be compared is simply not equal
        return False


# --- near-miss diagnoses, shared by every lab -------------------------------------------------------------------


def same_ids(got: Any, want: Any) -> bool:
    """The same ids, each once, in any order; ``got`` may be any collection of ids (see :class:`Ids`)."""
    if not _is_id_collection(got) or not _is_id_collection(want):
        return False
    a, b = [_plain(v) for v in got], [_plain(v) for v in want]
    if any(is_bool(v) for v in a):
        return False
    try:
        return len(a) == len(set(a)) and set(a) == set(b)
    except TypeError:  # unhashable items (records, lists) are not ids
        return False


def id_feedback(got: Any, want: Any, ids: Ids | None = None) -> str | None:
    """What is wrong with a collection of ids, or None if it is right or not a collection.

    Names a True/False mask passed where ids belong, items that are not ids, and repeated ids; otherwise says how
    many ids are right, how many do not belong and how many are missing, and shows the learner's whole answer.
    """
    ids = ids or Ids()
    if not _is_id_collection(got) or same_ids(got, want):
        return None
    items = [_plain(v) for v in got]
    wanted = [_plain(v) for v in want]
    pick = f" {ids.pick[0].upper()}{ids.pick[1:]}." if ids.pick else ""
    if items and all(is_bool(v) for v in items):
        return (
            f"That is a True/False mask ({_count(len(items), 'value')}, one per row or trace), not the "
            f"{ids.noun}. Use it to select the rows, then keep their ids.{pick}"
        )
    kinds = tuple({type(v) for v in wanted})
    odd = [v for v in items if kinds and not isinstance(v, kinds)]
    if odd:
        looks = f" {ids.noun.capitalize()} look like {ids.example}." if ids.example else ""
        return (
            f"Your answer holds {type(odd[0]).__name__} items (such as {_shorten(odd[0])}) where "
            f"{ids.noun} belong.{looks}{pick}"
        )
    try:
        counts = Counter(items)
        got_set, want_set = set(items), set(wanted)
    except TypeError:
        return f"Your answer holds items that are not {ids.noun} (they cannot be compared as ids).{pick}"
    repeated = [v for v, n in counts.items() if n > 1]
    if repeated:
        first = repeated[0]
        return (
            f"{_shorten(first)} appears {counts[first]} times in your answer; each id should appear once. "
            f"Your answer, in full: {_full(items)}."
        )
    right, extra, missing = len(got_set & want_set), len(got_set - want_set), len(want_set - got_set)
    if not items:
        return f"Your answer is empty, but {_count(missing, 'id')} belong in it."
    n = len(items)
    lost = f"{missing} {'is' if missing == 1 else 'are'} missing" if missing else "none is missing"
    if n == 1:
        verdict = f"The one id in your answer is {'right' if right else 'not right'}, and {lost}."
    elif right == n:
        verdict = f"Every id in your answer is right, and {lost}."
    elif right == 0:
        verdict = f"None of the {n} ids in your answer is right, and {lost}."
    else:
        verdict = (
            f"Of the {n} ids in your answer, {right} {'is' if right == 1 else 'are'} right and {extra} "
            f"{'does' if extra == 1 else 'do'} not belong; {lost}."
        )
    return f"{verdict} Your answer, in full: {_full(items)}."


def number_feedback(got: Any, want: Any) -> str | None:
    """A number that is the answer rounded (to 0 to 4 decimal places, within 5% of it): say so, or None."""
    if not all(isinstance(v, numbers.Real) and not is_bool(v) for v in (got, want)):
        return None
    got, want = float(got), float(want)
    if not (math.isfinite(got) and math.isfinite(want)) or math.isclose(
        got, want, rel_tol=1e-6, abs_tol=1e-9
    ):
        return None
    if got == 0 or abs(got - want) > 0.05 * abs(want):  # far off: a wrong formula, not rounding
        return None
    for places in range(5):
        if math.isclose(got, round(want, places), rel_tol=0, abs_tol=1e-12) and got != want:
            where = "to a whole number" if places == 0 else f"to {_count(places, 'decimal place')}"
            return (
                f"Your number, {_plain(got)!r}, looks rounded {where}. Give the number unrounded; round only "
                "when you display it."
            )
    return None


def length_feedback(got: Any, want: Any) -> str | None:
    """Two lists of different lengths: say how many items there are and should be, or None."""
    if not (isinstance(got, (list, tuple)) and isinstance(want, (list, tuple))) or len(got) == len(want):
        return None
    return f"Your result has {_count(len(got), 'item')}; it should have {len(want)}."


def _numbers(value: Any) -> list[float] | None:
    if isinstance(value, (str, bytes, Mapping)) or _is_table(value):
        return None
    try:
        items = list(value)
    except TypeError:
        return None
    if not all(isinstance(v, numbers.Real) and not is_bool(v) for v in items):
        return None
    return [float(v) for v in items]


def interval_feedback(
    got: Any, want: Sequence[float], *, names: Sequence[str] = ("accuracy", "low", "high"), tol: float = 1e-3
) -> str | None:
    """What is wrong with an ``(estimate, low, high)`` answer whose numbers are right but misplaced, or None.

    Names swapped low/high bounds, the right three numbers in another order, and the interval given without the
    estimate.
    """
    nums = _numbers(got)
    if nums is None:
        return None
    est, low, high = (float(v) for v in want)
    order = f"({', '.join(names)})"

    def close(xs: Sequence[float], ys: Sequence[float]) -> bool:
        return len(xs) == len(ys) and all(
            math.isclose(x, y, abs_tol=tol) for x, y in zip(xs, ys, strict=True)
        )

    if close(nums, [low, high]) or close(nums, [high, low]):
        return f"Those two numbers are the interval alone. Give three numbers, {order}, with the {names[0]} first."
    if close(nums, [est, high, low]):
        return (
            f"Your {names[1]} and {names[2]} bounds are swapped: give {order}, with the smaller bound first."
        )
    if close(sorted(nums), sorted([est, low, high])):
        return f"Those are the right three numbers in another order. Give them as {order}."
    return None


def table_feedback(got: Any, want: Any, compare: Callable[[Any, Any], bool] = same) -> str | None:
    """What is wrong with a table's shape, or None: transposed, or rows or columns missing or extra (by label).

    Rows that hold only zeros or NaN are not counted as extra (a category reindexed in with no failures).
    """
    if not (_is_table(got) and _is_table(want)):
        return None
    if _safe_same(compare, got, want):
        return None
    want_rows, want_cols = [str(v) for v in want.index], [str(v) for v in want.columns]
    shape = (
        f" The answer has one row per {want.index.name} and one column per {want.columns.name}."
        if want.index.name and want.columns.name
        else ""
    )
    if _safe_same(compare, got.T, want):
        return f"Your table is transposed: its rows are what its columns should be.{shape} `.T` swaps them."
    try:
        nonzero = got.fillna(0).ne(0).any(axis=1)
    except (TypeError, ValueError):
        nonzero = None
    got_rows = [str(v) for v in got.index]
    got_cols = [str(v) for v in got.columns]
    if (
        set(got_rows) == set(want_cols)
        and set(got_cols) == set(want_rows)
        and set(want_rows) != set(want_cols)
    ):
        return (
            f"Your table is transposed (its rows are what its columns should be), and some numbers differ too.{shape} "
            "Swap rows and columns with `.T`, then compare the numbers again."
        )
    parts = []
    missing_rows = [r for r in want_rows if r not in set(got_rows)]
    extra_rows = [
        r
        for r, keep in zip(got_rows, nonzero if nonzero is not None else [True] * len(got_rows), strict=True)
        if r not in set(want_rows) and keep
    ]
    missing_cols = [c for c in want_cols if c not in set(got_cols)]
    extra_cols = [c for c in got_cols if c not in set(want_cols)]
    if missing_rows:
        parts.append(f"no row for {_names(missing_rows)}")
    if extra_rows:
        parts.append(
            f"{'a row' if len(extra_rows) == 1 else 'rows'} that should not be there: {_names(extra_rows)}"
        )
    if missing_cols:
        parts.append(f"no column for {_names(missing_cols)}")
    if extra_cols:
        parts.append(
            f"{'a column' if len(extra_cols) == 1 else 'columns'} that should not be there: {_names(extra_cols)}"
        )
    if parts:
        return f"Your table has {'; '.join(parts)}."
    return None


# --- one-line bypasses ----------------------------------------------------------------------------------------


def _is_learner_code(code: types.CodeType) -> bool:
    filename = code.co_filename
    if filename.startswith("<frozen"):
        return False
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return True
    return not (path.is_relative_to(_EVALBOOK_DIR) or any(path.is_relative_to(d) for d in _LIBRARY_DIRS))


def forbidden_call(function: Any, forbidden: Sequence[Callable]) -> Callable | None:
    """The first of ``forbidden`` that ``function`` is, wraps, or refers to in its code (directly, through a
    module attribute such as ``metrics.perplexity``, a closure, or another function of the learner's), or None.

    Static: it reads the names the code refers to, so it never runs the learner's function.
    """
    targets = list(forbidden)

    def hit(obj: Any) -> Callable | None:
        return next((f for f in targets if obj is f), None)

    seen: set[int] = set()
    pending: list[Any] = [function]
    while pending:
        obj = pending.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        found = hit(obj)
        if found is not None:
            return found
        wrapped = getattr(obj, "func", None) or getattr(obj, "__wrapped__", None)  # functools.partial, wraps
        if wrapped is not None and not isinstance(obj, types.ModuleType):
            pending.append(wrapped)
        code = getattr(obj, "__code__", None)
        if not isinstance(code, types.CodeType) or not _is_learner_code(code):
            continue
        names: set[str] = set()
        codes = [code]
        while codes:
            current = codes.pop()
            names.update(current.co_names)
            codes.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
        namespace = getattr(obj, "__globals__", {})
        reached = [namespace[n] for n in names if n in namespace]
        reached.extend(getattr(obj, "__defaults__", None) or ())
        reached.extend((getattr(obj, "__kwdefaults__", None) or {}).values())
        for cell in getattr(obj, "__closure__", None) or ():
            try:
                reached.append(cell.cell_contents)
            except ValueError:  # an empty cell
                continue
        for _ in range(4):  # follow module attributes: evalbook.course.harbor.expected_cost
            found = next((f for r in reached if (f := hit(r)) is not None), None)
            if found is not None:
                return found
            pending.extend(r for r in reached if isinstance(r, types.FunctionType))
            reached = [
                getattr(module, n)
                for module in reached
                if isinstance(module, types.ModuleType)
                for n in names
                if hasattr(module, n)
            ]
            if not reached:
                break
    return None


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
    """One exercise: a check on fixed data, a hint in steps and a solution.

    Parameters (all keyword-only):
        var: the name the lab asks the learner to define (used in messages), e.g. ``"pass_rate"``.
        answer_type: the type of a correct value (for a function exercise: of what the function returns).
            ``float`` means any real number (not True/False); ``int`` any whole number; an :class:`Ids` any
            collection of ids, in any order.
        expected: for a value exercise, a function of no arguments computing the correct value; for a function
            exercise, the reference function itself (written out, not calling a function in ``forbid``).
        cases: for a function exercise, the arguments to call the learner's function with (a tuple of positional
            arguments or a dict of keyword arguments per case). Leave out for a value exercise.
        mistakes: at least two realistic :class:`Mistake` s, tried in order after the correct answer.
        hint: two steps, ``(nudge, recipe)``: ``.hint()`` shows the nudge (and says that ``.hint(2)`` exists),
            ``.hint(2)`` the recipe. The nudge points at the idea without the code; the recipe names the steps.
        solution: the solution code, runnable in the namespace of the exercise's module (the test runs it).
        praise: an optional sentence added to "Correct." (say why the result matters).
        compare: equality for answers (default :func:`same`; :func:`same_ids` for an :class:`Ids` answer). For a
            function exercise it compares the lists of results (wrap a per-result comparison in :func:`each`).
        accept: :class:`Accepted` answers that are also correct, each with its own message.
        diagnose: ``diagnose(answer, expected) -> str | None``, tried after the declared mistakes: a near-miss
            message, or None. For a function exercise it is called per case, and the first message is shown with
            the call it came from. Defaults to :func:`id_feedback` for an :class:`Ids` answer.
        forbid: library functions that a function answer must not call, because the exercise is to write their
            logic (``metrics.perplexity`` for a perplexity exercise). A call gets a message saying so.
    """

    def __init__(
        self,
        *,
        var: str,
        answer_type: Any,
        expected: Callable[..., Any],
        hint: str | Sequence[str],
        solution: str,
        mistakes: Sequence[Mistake] = (),
        cases: Sequence[tuple | dict] | None = None,
        praise: str = "",
        compare: Callable[[Any, Any], bool] | None = None,
        accept: Sequence[Accepted] = (),
        diagnose: Callable[[Any, Any], str | None] | None = None,
        forbid: Sequence[Callable] = (),
    ):
        self.var = var
        self.answer_type = answer_type
        self.expected = expected
        self.cases = list(cases) if cases is not None else None
        self.mistakes = list(mistakes)
        self.hints = (hint.strip(),) if isinstance(hint, str) else tuple(step.strip() for step in hint)
        if not self.hints or not all(self.hints):
            raise ValueError(f"Exercise {var!r}: give at least one non-empty hint step.")
        self.solution_code = solution.strip()
        self.praise = praise
        self.accepted = list(accept)
        self.forbidden = list(forbid)
        ids = _ids_type(answer_type)
        if compare is None:
            compare = same if ids is None else (each(same_ids) if cases is not None else same_ids)
        self.compare = compare
        if diagnose is None and ids is not None:

            def diagnose(got: Any, want: Any) -> str | None:
                return id_feedback(got, want, ids)

        self.diagnose = diagnose
        self._module = _caller_module()
        self._expected_result: Any = _NO_ANSWER

    @property
    def is_function(self) -> bool:
        return self.cases is not None

    @property
    def hint_text(self) -> str:
        """The first hint step (the nudge)."""
        return self.hints[0]

    @property
    def label(self) -> str | None:
        """How the lab refers to this exercise, e.g. ``lab01.q1`` (None if it is not a module attribute)."""
        return _label_in(self._module, self)

    def _ref(self, call: str) -> str:
        label = self.label
        return f"{label}.{call}" if label else f".{call}"

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

    def hint_for(self, step: int = 1) -> tuple[str, str]:
        """The (title, text) that ``hint(step)`` shows."""
        count = len(self.hints)
        if not is_whole_number(step) or not 1 <= step <= count:
            steps = ", ".join(
                f"`{self._ref('hint()' if n == 1 else f'hint({n})')}`" for n in range(1, count + 1)
            )
            return "Hint", f"This exercise has {_count(count, 'hint step')}: {steps}."
        title = "Hint" if count == 1 else f"Hint {step} of {count}"
        text = self.hints[step - 1]
        if step < count:
            what = "the recipe" if step + 1 == count else "the next step"
            text += f"\nStill stuck? `{self._ref(f'hint({step + 1})')}` gives {what}."
        return title, text

    def hint(self, step: int = 1) -> None:
        """Display hint step ``step``: 1 (the default) is a nudge, 2 the recipe."""
        title, text = self.hint_for(step)
        _show({"text/plain": f"{title}: {text}", "text/html": _html_box(title, text, _BLUE)})

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

    def _arg_text(self, value: Any) -> str:
        """A case argument for messages: the name of the module's data when it is that (``TRACES``)."""
        module = sys.modules.get(self._module)
        if module is not None:
            named = [(name, held) for name, held in vars(module).items() if name.isupper()]
            for name, held in named:
                if held is value:
                    return name
            for name, held in named:  # an item of the module's data: STALE_TICKETS[0]
                if isinstance(held, (list, tuple)):
                    for index, item in enumerate(held):
                        if item is value:
                            return f"{name}[{index}]"
        return _shorten(value)

    def _call_text(self, case: tuple | dict) -> str:
        if isinstance(case, dict):
            args = ", ".join(f"{key}={self._arg_text(value)}" for key, value in case.items())
        else:
            args = ", ".join(self._arg_text(value) for value in case)
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
        text = (
            f"{context} {_value_type_name(value)} ({_shorten(value)}), "
            f"but the answer should be {_type_name(self.answer_type)}."
        )
        ids = _ids_type(self.answer_type)
        if ids is not None and _is_table(value):
            text += " You have the rows; keep only their ids."
            if ids.pick:
                text += f" {ids.pick[0].upper()}{ids.pick[1:]}."
        elif ids is not None and isinstance(value, Mapping):
            text += (
                " A dict's keys are its ids: put them in a list (`list(...)` of the dict), or build a list."
            )
        elif ids is not None and isinstance(value, str):
            one = ids.example or "'X-1'"
            text += f" Put the ids in a list, even when there is only one: `[{one}]`, not `{one}`."
        return Outcome("incorrect", text)

    def _forbidden_message(self, found: Callable) -> str:
        name = f"{found.__module__}.{getattr(found, '__name__', 'function')}"
        return (
            f"`{self.var}` calls `{name}`, the library's version of what this exercise asks you to write. Write "
            f"the logic yourself (`{self._ref('hint()')}` gives a nudge); the check compares your results "
            "with the library's."
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
            found = forbidden_call(answer, self.forbidden) if self.forbidden else None
            if found is not None:
                return Outcome("incorrect", self._forbidden_message(found))
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
        for accepted in self.accepted:
            if self._matches(accepted, value):
                return Outcome("correct", accepted.message, title=accepted.title)
        for mistake in self.mistakes:
            if self._matches(mistake, value):
                return Outcome("incorrect", mistake.message)
        near_miss = self._diagnosis(value)
        if near_miss:
            return Outcome("incorrect", near_miss)
        shown = "" if self.is_function else f" Your value is {_shorten(value)}."
        return Outcome("incorrect", f"Not yet.{shown} Run `{self._ref('hint()')}` for a nudge.")

    def _diagnose_one(self, got: Any, want: Any) -> str | None:
        """The author's near-miss message for one answer or result, else the generic ones (rounding, length)."""
        if self.diagnose is not None:
            try:
                message = self.diagnose(got, want)
            except Exception:
                message = None
            if message:
                return message
        return number_feedback(got, want) or length_feedback(got, want)

    def _diagnosis(self, value: Any) -> str | None:
        expected = self.expected_result()
        if not self.is_function:
            return self._diagnose_one(value, expected)
        cases = self.cases or []
        right = [_safe_same(self.compare, [got], [want]) for got, want in zip(value, expected, strict=True)]
        for case, got, want, ok in zip(cases, value, expected, right, strict=True):
            if ok:
                continue
            message = self._diagnose_one(got, want)
            call = self._call_text(case)
            if right[0]:
                # right on the lab's own data, wrong on the check's other case: usually a number typed in, or a
                # global read instead of the argument
                first = self._call_text(cases[0])
                shown = repr(got)
                returns = (
                    f", where it returns {shown}"
                    if isinstance(got, (str, int, float, bool)) and len(shown) <= 60
                    else ""
                )
                return f"Your function is right for `{first}` but not for `{call}`{returns}. " + (
                    message
                    or "Does it rely on something that only holds for the first, such as a number typed in, "
                    "or a global name used instead of the argument?"
                )
            if message:
                if re.match(r"[A-Z][a-z]", message):
                    message = message[0].lower() + message[1:]
                return f"For `{call}`: {message}"
            return None
        return None

    def _matches(self, mistake: Mistake | Accepted, value: Any) -> bool:
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
        return f"<Exercise {self.var!r} ({kind}): use .check(...), .hint(), .hint(2), .solution()>"


class Question:
    """A *Think about it* question's model answer, which the learner reveals after writing their own.

    The question itself is in the lab's markdown; the lab has a commented line ``# lab01.think1.answer()`` below
    it, and the solution notebook runs it. ``answer`` is markdown (backticks, *emphasis*).
    """

    def __init__(self, *, answer: str):
        self.answer_text = answer.strip()
        if not self.answer_text:
            raise ValueError("A Question needs a model answer.")
        self._module = _caller_module()

    @property
    def label(self) -> str | None:
        return _label_in(self._module, self)

    def answer(self) -> None:
        """Display the model answer."""
        note = "yours may use other words and still be right"
        _show(
            {
                "text/plain": f"A model answer ({note}):\n{self.answer_text}",
                "text/markdown": f"**A model answer** ({note}):\n\n{self.answer_text}",
            }
        )

    def __repr__(self) -> str:
        return (
            "<Think about it: write your own answer first, then run .answer() to compare with a model answer>"
        )


def _holds_placeholder(value: Any, depth: int = 0) -> bool:
    if value is Ellipsis:
        return True
    if depth > 4 or isinstance(value, (str, bytes)) or _is_table(value):
        return False
    if isinstance(value, Mapping):
        return any(_holds_placeholder(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_placeholder(v, depth + 1) for v in value)
    return False


def ready(value: Any, exercise: int | str) -> bool:
    """True when ``value`` (an answer, or what a cell computed from it) no longer holds the lab's ``...``.

    Otherwise display "finish exercise N first" and return False, so a cell that uses an answer can run in an
    unfinished lab without printing ``Ellipsis``:

    >>> costs = {"model A": expected_cost_per_claim(CORRECT, MODEL_A, COSTS)}  # doctest: +SKIP
    >>> if ready(costs, 2):  # doctest: +SKIP
    ...     print(costs)

    Pass values, not the learner's function: a function cannot tell whether it is finished until it is called.
    """
    if not _holds_placeholder(value):
        return True
    text = (
        f"Finish exercise {exercise} first: this cell uses your answer to it, which is still `...`. "
        "Then run this cell again."
    )
    _show({"text/plain": f"Not ready: {text}", "text/html": _html_box("Not ready", text, _GREY)})
    return False

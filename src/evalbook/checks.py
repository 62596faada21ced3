"""Code-based checks: small, explicit rules that read what the product *did*, not just what it said.

A check is a plain function of a :class:`~evalbook.trace.Trace` that returns ``True`` when it **found the
failure** it looks for (``phantom_refund(trace) is True`` means: this conversation has a phantom refund). That is
the convention everywhere in evalbook's checks and in :mod:`evalbook.stats` (whose functions name it in their
signature: ``failed=``).

The primitives below answer factual questions about a trace (was a tool called, with which arguments, in which
order, did the end state change); a check combines them into a failure rule. :func:`run_checks` runs a dict of
named checks over the results of :func:`evalbook.run_batch` and adds one True/False column per check, plus
``any_failure``::

    suite = {
        "refund_without_lookup": lambda t: called(t, "issue_refund") and not called_before(t, "lookup_order", "issue_refund"),
        "no_answer": lambda t: not t.answer.strip(),
    }
    results = run_checks(results, suite)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from .errors import InputError, InputTypeError
from .trace import Trace, as_traces, require_trace


def calls(trace: Trace, name: str) -> list[dict]:
    """Every recorded call of the tool ``name``, in order (each ``{"name", "arguments", "result"}``)."""
    return [c for c in require_trace(trace, "calls").tool_calls if c.get("name") == name]


def called(trace: Trace, name: str) -> bool:
    """Was the tool ``name`` called at least once?"""
    return bool(calls(trace, name))


def called_with(trace: Trace, name: str, **arguments) -> bool:
    """Was ``name`` called at least once with (at least) these argument values? Extra arguments are allowed."""
    return any(
        all(c.get("arguments", {}).get(k) == v for k, v in arguments.items()) for c in calls(trace, name)
    )


def called_before(trace: Trace, first: str, then: str) -> bool:
    """Was ``first`` called before the first call of ``then``? False when ``then`` was never called."""
    names = require_trace(trace, "called_before").tool_names
    if then not in names:
        return False
    return first in names[: names.index(then)]


def outcome_changed(trace: Trace, key: str) -> bool:
    """Did the run record anything under ``outcome[key]`` (a non-empty list, a set value)?

    The end state is the product's record of what happened; a reply can claim a change that is not there.
    """
    value = require_trace(trace, "outcome_changed").outcome.get(key)
    return bool(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else value != 0


@dataclass(frozen=True)
class Check:
    """A named check with a one-line description of the failure it finds; call it like the function it wraps.

    A suite of these documents itself: ``{c.name: c.description for c in suite}`` is the table a team reviews.
    """

    name: str
    fn: Callable[[Trace], bool]
    description: str = ""

    def __call__(self, trace: Trace) -> bool:
        return self.fn(trace)


def check(description: str = "", *, name: str | None = None):
    """Decorator: turn a function of a Trace into a :class:`Check` (named after the function by default).

    >>> @check("the reply claims a booking the calendar does not hold")
    ... def phantom_booking(trace): ...
    """

    def wrap(fn: Callable[[Trace], bool]) -> Check:
        return Check(name or fn.__name__, fn, description or (fn.__doc__ or "").strip().split("\n")[0])

    return wrap


def schema_errors(value, schema: dict) -> list[str]:
    """Every way ``value`` breaks the JSON ``schema``, as short sentences (empty list: it conforms).

    Validated with the ``jsonschema`` library (the Draft 2020-12 rules), so a check of a structured reply means
    the same as the schema you gave the API.
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def mutate(trace: Trace, change: Callable[[Trace], None]) -> Trace:
    """A deep copy of ``trace`` with ``change`` applied to the copy: the original is never touched.

    Mutation testing of checks starts from traces known to be correct and injects one known fault each (a wrong
    amount, a skipped tool, a claim the records contradict); a check that does not flag the mutant cannot find
    that fault.
    """
    copied = copy.deepcopy(require_trace(trace, "mutate"))
    if not callable(change):
        raise InputTypeError("mutate takes a function that changes the copied trace in place.")
    change(copied)
    return copied


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"Every check needs a name (a non-empty string); got {name!r}.")
    return name


def run_checks(results, suite: Mapping[str, Callable[[Trace], bool]]) -> pd.DataFrame:
    """Run named checks over traces: one True/False column per check (True = the failure was found).

    Args:
        results: the DataFrame from :func:`evalbook.run_batch` (its ``trace`` column is read) or a list of Traces.
        suite: check name -> function of a Trace returning True when it found the failure.

    Returns:
        For a DataFrame, a copy with the check columns and ``any_failure`` added; for a list, a new DataFrame.
        A row whose case failed to run (no trace) gets ``<NA>`` in every check column, not a silent pass.

    Raises:
        InputError: a check name clashes with an existing column, or a check returned something that is not
            True/False (naming the check and the row).
    """
    if isinstance(suite, (list, tuple)) and all(isinstance(c, Check) for c in suite):
        suite = {c.name: c for c in suite}
    if not isinstance(suite, Mapping) or not suite:
        raise InputTypeError(
            "run_checks needs a dict of named checks, e.g. {'no_answer': lambda t: not t.answer}."
        )
    for name, fn in suite.items():
        _check_name(name)
        if not callable(fn):
            raise InputTypeError(f"The check {name!r} is a {type(fn).__name__}, not a function of a Trace.")
    if isinstance(results, pd.DataFrame):
        if "trace" not in results.columns:
            raise InputError(
                "run_checks reads the 'trace' column of run_batch's results; this table has none."
            )
        frame = results.copy()
        traces = list(frame["trace"])
    else:
        traces = as_traces(results, "run_checks")
        frame = pd.DataFrame({"trace": traces})
    clashes = [n for n in (*suite, "any_failure") if n in frame.columns]
    if clashes:
        raise InputError(f"run_checks: the table already has a column {clashes[0]!r}; rename the check.")
    for name, fn in suite.items():
        column = []
        for position, trace in enumerate(traces):
            if not isinstance(trace, Trace):
                column.append(pd.NA)
                continue
            found = fn(trace)
            if not isinstance(found, bool) and type(found).__name__ != "bool_":
                raise InputError(
                    f"The check {name!r} returned {found!r} for row {position}; a check returns True (failure "
                    "found) or False."
                )
            column.append(bool(found))
        frame[name] = pd.array(column, dtype="boolean")
    frame["any_failure"] = frame[list(suite)].any(axis=1, skipna=False)
    return frame


__all__ = [
    "Check",
    "called",
    "called_before",
    "called_with",
    "calls",
    "check",
    "mutate",
    "outcome_changed",
    "run_checks",
    "schema_errors",
]

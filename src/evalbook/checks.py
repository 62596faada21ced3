"""Code-based checks: small, explicit rules that read what the product *did*, not just what it said.

A check is a plain function of a :class:`~evalbook.trace.Trace` (and, when it needs to know what *should* have
happened, of the test case too: ``check(trace, case)``) that returns ``True`` when it **found the failure** it
looks for (``phantom_refund(trace) is True`` means: this conversation has a phantom refund). That is
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
import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

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
    fn: Callable[..., bool]
    description: str = ""

    @cached_property
    def needs_case(self) -> bool:
        """Does the check read the test case (``fn(trace, case)``) as well as the trace? Read once."""
        return needs_case(self.fn)

    def __call__(self, trace: Trace, case: Mapping | None = None) -> bool:
        return self.fn(trace, case) if self.needs_case else self.fn(trace)


def needs_case(fn: Callable) -> bool:
    """True when ``fn`` takes two positional arguments (a trace and its case), False for ``fn(trace)``.

    A *negative* check ("did it do something wrong?") can often decide from the trace alone; a *positive* one
    ("did it do the task?") must know the task, so it also receives the case: the golden-set row with its answer
    key. Reading the signature lets both kinds sit in one suite.
    """
    if isinstance(fn, Check):
        return fn.needs_case
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional) >= 2 or (
        len(positional) == 1 and any(p.kind is p.VAR_POSITIONAL for p in parameters)
    )


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


def _verdict(name: str, found, where) -> bool:
    """A check's return value as a bool, or a sentence: a check returns True (failure found) or False, and
    anything else (None from a forgotten return, a count, a string) would be silently read as one of them."""
    if not isinstance(found, bool) and type(found).__name__ != "bool_":
        raise InputError(
            f"The check {name!r} returned {found!r} for {where if isinstance(where, str) else f'row {where}'}; a "
            "check returns True (failure found) or False."
        )
    return bool(found)


def run_checks(results, suite: Mapping[str, Callable[[Trace], bool]]) -> pd.DataFrame:
    """Run named checks over traces: one True/False column per check (True = the failure was found).

    Args:
        results: the DataFrame from :func:`evalbook.run_batch` (its ``trace`` column is read) or a list of Traces.
        suite: check name -> function of a Trace returning True when it found the failure (or a list of
            :class:`Check`). A check that takes two arguments, ``fn(trace, case)``, also gets the row of the
            table as a dict: the case with its answer key, so that it can ask whether the task was done.

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
    with_case = [name for name, fn in suite.items() if needs_case(fn)]
    if with_case and not isinstance(results, pd.DataFrame):
        raise InputError(
            f"The check {with_case[0]!r} reads the test case as well as the trace; pass run_batch's results "
            "table (one row per case), not a list of traces."
        )
    rows = frame.drop(columns=["trace"]).to_dict("records") if with_case else [None] * len(traces)
    clashes = [n for n in (*suite, "any_failure") if n in frame.columns]
    if clashes:
        raise InputError(f"run_checks: the table already has a column {clashes[0]!r}; rename the check.")
    for name, fn in suite.items():
        column = []
        for position, trace in enumerate(traces):
            if not isinstance(trace, Trace):
                column.append(pd.NA)
                continue
            found = _verdict(name, fn(trace, rows[position]) if name in with_case else fn(trace), position)
            # A conversation that broke off (an API error, the step limit) may still show a failure, but finding
            # none in half a conversation is not a pass: no verdict.
            column.append(pd.NA if trace.error and not found else found)
        frame[name] = pd.array(column, dtype="boolean")
    frame["any_failure"] = frame[list(suite)].any(axis=1, skipna=False)
    return frame


# ---------------------------------------------------------------------------------------------------------------
# Primitives for end state and safety checks
# ---------------------------------------------------------------------------------------------------------------
def _describe(record: Mapping) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in record.items())


def diff_records(expected: Mapping, actual: Mapping, *, key: str) -> list[str]:
    """How the records a conversation left (``actual``) differ from what should be there (``expected``).

    Both map a kind of record to a list of records, e.g. ``{"refunds": [{"order_id": "A-1006", "amount":
    89.0}]}``. Records are matched on ``key``; for a matched pair only the fields named in the *expected* record
    are compared, so extra fields (an id the system made up, a timestamp) never count as a difference. A kind
    missing from ``actual`` counts as an empty list.

    Returns one readable sentence per difference (an empty list when the records are as expected), e.g.
    ``"refunds A-1006: amount is 109.0, expected 89.0"`` or ``"refunds: unexpected A-1042 (order_id='A-1042',
    amount=30.0)"``. A readable diff says *which* record and *which* field, which a bare hash of the state cannot.
    """
    if not isinstance(expected, Mapping) or not isinstance(actual, Mapping):
        raise InputTypeError(
            "diff_records compares two mappings of record lists, e.g. expected={'refunds': [...]} and "
            "actual=trace.outcome."
        )
    differences = []
    for kind in sorted(set(expected) | set(actual), key=str):
        want = [dict(r) for r in (expected.get(kind) or [])]
        have = [dict(r) for r in (actual.get(kind) or [])]
        for record in (*want, *have):
            if key not in record:
                raise InputError(
                    f"diff_records matches records on {key!r}, but a {kind!r} record has no such field: "
                    f"{_describe(record)}."
                )
        unmatched = list(have)
        for record in want:
            match = next((r for r in unmatched if r[key] == record[key]), None)
            if match is None:
                differences.append(f"{kind}: missing {record[key]} ({_describe(record)})")
                continue
            unmatched.remove(match)
            for field, value in record.items():
                if field != key and match.get(field) != value:
                    differences.append(
                        f"{kind} {record[key]}: {field} is {match.get(field)!r}, expected {value!r}"
                    )
        differences += [f"{kind}: unexpected {r[key]} ({_describe(r)})" for r in unmatched]
    return differences


_WORDS = re.compile(r"[a-z0-9']+")


def copied_span(text: str, source: str, n: int = 8) -> str:
    """The first run of ``n`` consecutive words that ``text`` shares with ``source`` ("" when there is none).

    A reply that repeats eight words of the system prompt in a row is almost certainly echoing it: ordinary
    replies share short phrases with any prompt, long runs only by copying. Words are compared lower-cased,
    punctuation ignored.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise InputError(f"n is a number of words, at least 2; got {n!r}.")
    words = _WORDS.findall(str(text or "").lower())
    source_words = _WORDS.findall(str(source or "").lower())
    grams = {tuple(source_words[i : i + n]) for i in range(len(source_words) - n + 1)}
    for start in range(len(words) - n + 1):
        if tuple(words[start : start + n]) in grams:
            return " ".join(words[start : start + n])
    return ""


# ---------------------------------------------------------------------------------------------------------------
# Checking the checks
# ---------------------------------------------------------------------------------------------------------------
def _as_suite(suite) -> dict:
    if isinstance(suite, (list, tuple)) and all(isinstance(c, Check) for c in suite):
        return {c.name: c for c in suite}
    if isinstance(suite, Mapping) and suite:
        return dict(suite)
    raise InputTypeError("Pass the suite as a dict of named checks or a list of Check objects.")


def mutation_report(
    traces: Sequence[Trace],
    mutations: Mapping[str, Callable[[Trace], bool | None]],
    suite,
    *,
    cases: Sequence[Mapping] | None = None,
) -> pd.DataFrame:
    """Inject known faults into correct traces and measure which checks notice them.

    Args:
        traces: conversations known to be correct (by an independent judgement, e.g. human labels, not by these
            checks: otherwise the false-alarm row is zero by construction).
        mutations: fault name -> function that changes a copy of a trace in place (see :func:`mutate`) and
            returns ``False`` when the fault does not apply to it (no refund to alter, say).
        suite: the checks (a dict of named checks or a list of :class:`Check`).
        cases: the case of each trace, for checks that read it (``fn(trace, case)``).

    Returns:
        One row per mutation with ``mutants`` (how many traces it applied to) and, per check, its **detection
        rate**: the share of mutants it flagged. A last row, ``(no mutation)``, is each check's **false-alarm
        rate** on the traces as they were. A check that detects no mutation cannot find those faults, however
        clean its results look on real traffic.
    """
    suite = _as_suite(suite)
    traces = as_traces(traces, "mutation_report")
    if cases is not None and len(cases) != len(traces):
        raise InputError(
            f"mutation_report got {len(traces)} traces but {len(cases)} cases; pass one per trace."
        )
    if any(needs_case(fn) for fn in suite.values()) and cases is None:
        raise InputError("Some checks read the test case: pass cases=, one per trace, in the same order.")
    cases = [dict(c) for c in cases] if cases is not None else [None] * len(traces)

    with_case = {name for name, fn in suite.items() if needs_case(fn)}

    def flags(pairs, what) -> dict:
        return {
            name: [
                _verdict(name, fn(t, c) if name in with_case else fn(t), f"{what} trace {i}")
                for i, (t, c) in enumerate(pairs)
            ]
            for name, fn in suite.items()
        }

    rows = {}
    for fault, change in mutations.items():
        pairs = []
        for trace, case in zip(traces, cases, strict=True):
            copied = copy.deepcopy(trace)
            if change(copied) is not False:
                pairs.append((copied, case))
        found = flags(pairs, f"the {fault!r} mutant of")
        rows[fault] = {"mutants": len(pairs)} | {
            name: (sum(v) / len(v) if v else float("nan")) for name, v in found.items()
        }
    found = flags(list(zip(traces, cases, strict=True)), "unmutated")
    rows["(no mutation)"] = {"mutants": len(traces)} | {
        name: (sum(v) / len(v) if v else float("nan")) for name, v in found.items()
    }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["mutants"] = table["mutants"].astype(int)
    return table


def failure_table(results: pd.DataFrame, checks: Sequence[str] | None = None, *, by=None, confidence=0.95):
    """Each check's failure rate with its Wilson interval, from :func:`run_checks`'s columns.

    Rows are checks (and, with ``by=``, a slice column or list of columns, one row per check and slice):
    ``n`` (cases with a verdict), ``failed``, ``rate``, ``low``, ``high`` and ``missing``: the cases with no
    verdict (a case that failed to run, a conversation that broke off before any failure showed), left out of
    ``n`` and counted nowhere as a pass, but shown, so a rate over fewer cases than you ran is visible. A slice
    whose ``by=`` value is missing is its own row, not dropped.
    """
    from .stats import rate_ci

    if not isinstance(results, pd.DataFrame):
        raise InputTypeError("failure_table reads the table run_checks returns.")
    checks = (
        list(checks)
        if checks is not None
        else [c for c in results.columns if str(results[c].dtype) == "boolean"]
    )
    missing = [c for c in checks if c not in results.columns]
    if missing:
        raise InputError(f"failure_table: no column {missing[0]!r}; run the check with run_checks first.")
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    groups = results.groupby(keys, sort=True, dropna=False) if keys else [((), results)]
    rows = []
    for group, part in groups:
        group = group if isinstance(group, tuple) else (group,)
        for name in checks:
            verdicts = part[name].dropna().astype(bool)
            missing = len(part) - len(verdicts)
            if verdicts.empty:
                rows.append(
                    dict(zip(keys, group, strict=True))
                    | {
                        "check": name,
                        "n": 0,
                        "failed": 0,
                        "rate": math.nan,
                        "low": math.nan,
                        "high": math.nan,
                        "missing": missing,
                    }  # fmt: skip
                )
                continue
            rate, low, high = rate_ci(failed=verdicts, confidence=confidence)
            rows.append(
                dict(zip(keys, group, strict=True))
                | {
                    "check": name,
                    "n": len(verdicts),
                    "failed": int(verdicts.sum()),
                    "rate": rate,
                    "low": low,
                    "high": high,
                    "missing": missing,
                }
            )
    return pd.DataFrame(rows).set_index([*keys, "check"])


__all__ = [
    "Check",
    "called",
    "called_before",
    "called_with",
    "calls",
    "check",
    "copied_span",
    "diff_records",
    "failure_table",
    "mutate",
    "mutation_report",
    "needs_case",
    "outcome_changed",
    "run_checks",
    "schema_errors",
]

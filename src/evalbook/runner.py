"""Run the assistant (or any function) over many cases at once and get a DataFrame back.

Cases run in a small thread pool, which works the same in a script and inside Jupyter's already-running event
loop (no ``asyncio.run`` clash). A case that fails becomes a row with its error; it never stops the batch or loses
the results of the other cases. Live responses are cached on disk by the client, so re-running a batch is free.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from . import config
from ._values import is_whole_number
from .errors import InputError, InputTypeError, learner_message, scrub_secrets
from .trace import Trace


def _call(fn: Callable, value):
    if inspect.iscoroutinefunction(fn):
        return asyncio.run(fn(value))  # a private loop in this worker thread
    result = fn(value)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable):
    return await awaitable


def _as_columns(result) -> dict:
    if isinstance(result, Trace):
        row = result.to_row()
        row["error"] = result.error
        return row
    if isinstance(result, dict):
        return dict(result)
    if isinstance(result, pd.Series):
        return result.to_dict()
    return {"output": result}


def run_batch(
    fn: Callable,
    cases: pd.DataFrame | list,
    *,
    input_column: str | None = None,
    concurrency: int = 8,
    desc: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Call ``fn`` on every case and return the cases with the results as extra columns, in input order.

    ``fn`` receives the value of ``input_column`` (e.g. ``"message"``) or, without it, the whole case as a dict. It
    may return a Trace (its :meth:`~evalbook.trace.Trace.to_row` becomes columns), a dict (its keys become columns)
    or any value (an ``output`` column). Failed cases get their error in the ``error`` column. A result column whose
    name the cases already use (say ``answer``) is added as ``answer_out``, so no input column is ever overwritten;
    pass only the input columns you need (``tickets[["ticket_id", "message"]]``) to avoid that.

    >>> results = run_batch(SupportBot("beacon-1").run, tickets, input_column="message")
    """
    if not callable(fn):
        raise InputTypeError(f"run_batch needs a function to call on each case; got a {type(fn).__name__}.")
    if isinstance(cases, list):
        cases = pd.DataFrame(cases if cases and isinstance(cases[0], dict) else {"input": cases})
        input_column = input_column or ("input" if "input" in cases.columns else None)
    if not isinstance(cases, pd.DataFrame):
        raise InputTypeError(
            f"run_batch takes the cases as a pandas DataFrame or a list; got {type(cases).__name__}."
        )
    if input_column is not None and input_column not in cases.columns:
        raise InputError(
            f"The cases have no column {input_column!r}. Columns: {', '.join(map(str, cases.columns))}."
        )
    done = [c for c in ("trace", "error") if c in cases.columns]
    if done:
        raise InputError(
            f"These cases already hold run_batch results (a {done[0]!r} column). Pass the input cases instead, "
            "e.g. the tickets or the sample you ran before, or only their input columns: "
            "cases[['ticket_id', 'message']]."
        )
    if not is_whole_number(concurrency) or concurrency < 1:
        raise InputError("concurrency must be a whole number of at least 1, e.g. concurrency=8.")

    records = cases.to_dict("records")
    inputs = [r[input_column] for r in records] if input_column else records

    def one(value) -> dict:
        try:
            out = _as_columns(_call(fn, value))
            out["error"] = scrub_secrets(out.get("error"))  # a key a server echoed is never kept or printed
            return out
        except Exception as exc:  # a failed case is a row, not a crash
            return {"error": scrub_secrets(f"{type(exc).__name__}: {learner_message(exc) or exc}")}

    show = config.progress_enabled() if progress is None else progress
    from tqdm.auto import tqdm  # here, not at the top: it costs every `import evalbook` for one progress bar

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(
            tqdm(
                pool.map(one, inputs), total=len(inputs), desc=desc or "cases", disable=not show, leave=False
            )
        )

    failed = sum(1 for r in results if r.get("error"))
    if failed:  # never fail silently: say so where the learner is looking
        first = next(r["error"] for r in results if r.get("error"))
        print(
            f"run_batch: {failed} of {len(results)} cases failed; see the 'error' column. First error: {first}"
        )
    if results and all("output" in r and r["output"] is None and not r["error"] for r in results):
        print(
            f"run_batch: every one of the {len(results)} cases returned None. Did your function forget `return`?"
        )
    outputs = pd.DataFrame(results, index=cases.index)
    clashes = [c for c in outputs.columns if c in cases.columns]
    outputs = outputs.rename(columns={c: f"{c}_out" for c in clashes})
    if "error" not in outputs.columns:
        outputs["error"] = None
    return pd.concat([cases, outputs], axis=1)


def summarize_errors(results: pd.DataFrame) -> str:
    """One line: how many cases ran and how many failed (with the most common error)."""
    if not isinstance(results, pd.DataFrame):
        raise InputTypeError(
            f"summarize_errors takes the DataFrame from run_batch; got a {type(results).__name__}."
        )
    if "error" not in results.columns:
        return f"{len(results)} cases, no error column"
    failed = results["error"].notna()
    line = f"{len(results)} cases: {int((~failed).sum())} ok, {int(failed.sum())} failed"
    if failed.any():
        line += f" (most common: {results.loc[failed, 'error'].value_counts().index[0]})"
    return line

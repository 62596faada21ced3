"""The batch runner: order kept, errors captured per case, works with any callable."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

import evalbook
from evalbook import run_batch
from evalbook.course import acme
from evalbook.errors import EvalbookError


def flaky(x):
    if x % 3 == 0:
        raise ValueError(f"no multiples of three ({x})")
    return {"double": 2 * x}


def test_failed_cases_become_rows_and_the_rest_survive():
    cases = pd.DataFrame({"x": range(10)})
    out = run_batch(flaky, cases, input_column="x", concurrency=4, progress=False)
    assert list(out["x"]) == list(range(10))
    assert out.loc[out.x == 4, "double"].item() == 8
    failed = out[out["error"].notna()]
    assert list(failed.x) == [0, 3, 6, 9]
    assert failed.error.iloc[1] == "ValueError: no multiples of three (3)"
    assert evalbook.summarize_errors(out).startswith("10 cases: 6 ok, 4 failed")


def test_traces_become_columns_and_clashing_names_are_suffixed():
    tickets = acme.load_tickets().head(6).assign(model="label-column")
    out = run_batch(acme.SupportBot("beacon-1").run, tickets, input_column="message", progress=False)
    assert {"answer", "tools", "trace", "model_out", "error"} <= set(out.columns)
    assert (out["model"] == "label-column").all() and (out["model_out"] == "beacon-1").all()
    assert out["error"].isna().all()


def test_whole_rows_lists_scalars_and_async_functions():
    rows = run_batch(
        lambda row: row["a"] + row["b"], pd.DataFrame({"a": [1, 2], "b": [10, 20]}), progress=False
    )
    assert list(rows["output"]) == [11, 22]
    listed = run_batch(str.upper, ["a", "b"], progress=False)
    assert list(listed["output"]) == ["A", "B"]

    async def slow_upper(s):
        await asyncio.sleep(0)
        return s.upper()

    assert list(run_batch(slow_upper, ["x"], progress=False)["output"]) == ["X"]


def test_inside_a_running_event_loop():
    async def notebook_cell():
        return run_batch(str.upper, ["a"], progress=False)

    assert asyncio.run(notebook_cell())["output"].item() == "A"


def test_bad_arguments_are_sentences():
    with pytest.raises(EvalbookError, match="no column 'msg'"):
        run_batch(str.upper, pd.DataFrame({"message": ["a"]}), input_column="msg")
    with pytest.raises(EvalbookError, match="function"):
        run_batch("not callable", ["a"])
    with pytest.raises(EvalbookError, match="concurrency"):
        run_batch(str.upper, ["a"], concurrency=0)
    with pytest.raises(EvalbookError, match="summarize_errors takes the DataFrame"):
        evalbook.summarize_errors(["a trace"])


def test_results_passed_back_in_as_cases_are_refused_before_anything_runs():
    results = run_batch(
        str.upper, pd.DataFrame({"message": ["a", "b"]}), input_column="message", progress=False
    )
    calls = []
    with pytest.raises(EvalbookError, match="already hold run_batch results"):
        run_batch(calls.append, results, input_column="message")
    assert calls == []


def test_a_function_that_forgets_return_is_pointed_out(capsys):
    def forgot(message):
        message.upper()

    results = run_batch(forgot, ["a", "b"], progress=False)
    assert results["output"].isna().all()
    assert "every one of the 2 cases returned None" in capsys.readouterr().out
    run_batch(lambda m: None if m == "a" else m, ["a", "b"], progress=False)
    assert "returned None" not in capsys.readouterr().out  # one None can be a real answer

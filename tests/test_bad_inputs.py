"""Odd and mistaken inputs to the label store, the trace files and the course's labelling rules (issue #11,
items 7 and 8): each must end in a sentence or in correct handling, never a raw error or lost work.

Every case is a small function that does what a learner might do and checks that nothing was lost. Running this
file as a script prints how each case ends, which is how the "before and after" counts in the issue were taken:

    .venv/bin/python tests/test_bad_inputs.py
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evalbook
from evalbook import load_traces, save_traces, traces_to_frame
from evalbook.course.acme import acme_trace
from evalbook.course.acme.labelling import rule_label
from evalbook.errors import EvalbookError
from evalbook.labels import LabelStore, load_labels, save_labels
from evalbook.widgets import TraceViewer

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


class Lost(AssertionError):
    """The input was accepted but something the learner made was lost or silently changed."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Lost(what)


def sentence(action) -> EvalbookError:
    """``action`` must refuse with an EvalbookError (a sentence); anything else propagates."""
    try:
        action()
    except EvalbookError as exc:
        return exc
    raise Lost("accepted where it should have refused")


def make(answer: str = "Your order A-1010 is on its way.", **extra) -> evalbook.Trace:
    return acme_trace(
        answer=answer,
        model="atlas-1",
        kb_version="v2",
        messages=[{"role": "user", "content": "Where is A-1010?"}, {"role": "assistant", "content": answer}],
        **extra,
    )


def readable(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_labels(path)


# --- labels: odd notes -------------------------------------------------------------------------------------


@case
def huge_note_round_trips(tmp: Path):
    path = tmp / "labels.csv"
    note = "x" * 200_000
    LabelStore(path, labeller="ana").label("a", "fail", note=note)
    check(readable(path).loc[0, "note"] == note, "the note came back different")
    again = LabelStore(path, labeller="ana")
    again.label("b", "pass")
    check(again.get("a")["note"] == note, "the huge note was lost on reopening")


@case
def lone_surrogate_in_a_note_does_not_jam_the_store(tmp: Path):
    path = tmp / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("a", "pass")
    sentence(lambda: store.label("b", "fail", note="half an emoji \ud83d"))
    store.label("c", "fail", note="a normal note")  # later labels still save
    check(set(readable(path)["trace_id"]) == {"a", "c"}, "later labels did not reach the file")


@case
def lone_surrogate_in_a_category_does_not_jam_the_store(tmp: Path):
    path = tmp / "labels.csv"
    store = LabelStore(path, labeller="ana")
    sentence(lambda: store.label("a", "fail", category="\udc00"))
    store.label("b", "pass")
    check(list(readable(path)["trace_id"]) == ["b"], "the next label did not save")


@pytest.mark.parametrize("note", ['=HYPERLINK("http://x")', "+1 for this", "-refund", "@SUM(A1)"])
def test_formula_notes_are_neutralised_in_the_file_and_come_back_unchanged(tmp_path, note):
    path = tmp_path / "labels.csv"
    LabelStore(path, labeller="ana").label("a", "fail", note=note, category=note)
    cells = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))[1]
    assert cells[3] == "'" + note and cells[4] == "'" + note  # a spreadsheet shows it as text
    assert readable(path).loc[0, "note"] == note
    assert LabelStore(path, labeller="ana").get("a")["note"] == note


@case
def formula_note_is_neutralised(tmp: Path):
    path = tmp / "labels.csv"
    LabelStore(path, labeller="ana").label("a", "fail", note="=1+1")
    check("'=1+1" in path.read_text(encoding="utf-8"), "the note is a live formula in a spreadsheet")
    check(readable(path).loc[0, "note"] == "=1+1", "the note came back different")


@case
def note_starting_with_a_quote_round_trips(tmp: Path):
    path = tmp / "labels.csv"
    LabelStore(path, labeller="ana").label("a", "fail", note="'=quoted on purpose")
    check(readable(path).loc[0, "note"] == "'=quoted on purpose", "the note came back different")


@case
def stale_temporary_file_is_cleaned(tmp: Path):
    path = tmp / "labels.csv"
    LabelStore(path, labeller="ana").label("a", "fail")
    (tmp / ".labels.csv.k2j4h1xy.tmp").write_text("half a file", encoding="utf-8")  # a crash before replace
    (tmp / ".other.csv.k2j4h1xy.tmp").write_text("not ours", encoding="utf-8")
    LabelStore(path, labeller="ana").label("b", "pass")
    names = sorted(p.name for p in tmp.iterdir())
    check(names == [".other.csv.k2j4h1xy.tmp", "labels.csv"], f"left behind: {names}")


# --- labels: cut and damaged files ---------------------------------------------------------------------------


def _cut_file(tmp: Path) -> tuple[Path, str, int]:
    path = tmp / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("T-001/atlas-1", "pass")
    store.label(
        "T-002/atlas-1", "fail", note='Says "refunded", no issue_refund call', category="phantom refund"
    )
    store.label(
        "T-003/beacon-1", "fail", note="States the old return window (14 days)", category="stale policy"
    )
    text = path.read_text(encoding="utf-8")
    return path, text, text.rstrip("\n").rfind("\n") + 1


def cut_point_outcomes(tmp: Path) -> dict[str, int]:
    """Cut the file at every character of its last row (as a copy or a full disk might) and load it."""
    path, text, start = _cut_file(tmp)
    good = text[:start]
    outcomes = {"refused": 0, "altered silently": 0, "loaded and named": 0, "intact": 0}
    for cut in range(start + 1, len(text)):
        path.write_text(text[:cut], encoding="utf-8")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                table = load_labels(path)
            except EvalbookError:
                outcomes["refused"] += 1
                continue
        complete = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        first = pd.read_csv(io.StringIO(good), dtype=str, keep_default_na=False)
        named = any("line 4" in str(w.message) for w in caught)
        if table.equals(complete):
            outcomes["intact"] += 1
        elif named and table.iloc[: len(first)].reset_index(drop=True).equals(first):
            outcomes["loaded and named"] += 1
        else:
            outcomes["altered silently"] += 1
    return outcomes


def test_a_file_cut_anywhere_in_its_last_row_loads_the_rest_and_names_the_line(tmp_path):
    outcomes = cut_point_outcomes(tmp_path)
    assert outcomes["refused"] == 0 and outcomes["altered silently"] == 0
    assert outcomes["loaded and named"] > 40


@case
def cut_file_loads_the_valid_rows(tmp: Path):
    path, text, start = _cut_file(tmp)
    path.write_text(text[: start + 12], encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = load_labels(path)
    check(len(table) == 2, "the intact labels did not load")
    check(any("line 4" in str(w.message) for w in caught), "the cut line was not named")


@case
def cut_file_is_backed_up_before_a_store_rewrites_it(tmp: Path):
    path, text, start = _cut_file(tmp)
    damaged = text[: start + 12]
    path.write_text(damaged, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store = LabelStore(path, labeller="ana")
        store.label("T-004/atlas-1", "pass")
    backups = sorted(tmp.glob("labels.csv.damaged-*"))
    check(len(backups) == 1 and backups[0].read_text(encoding="utf-8") == damaged, "no backup of the damage")
    check(set(readable(path)["trace_id"]) == {"T-001/atlas-1", "T-002/atlas-1", "T-004/atlas-1"}, "rows lost")


@case
def cut_inside_a_quoted_note_loads_the_rest(tmp: Path):
    path, text, start = _cut_file(tmp)
    path.write_text(text[:start] + 'T-009/atlas-1,ana,fail,"Half a no', encoding="utf-8")
    check(len(readable(path)) == 2, "the intact labels did not load")


# --- saving over saved work ----------------------------------------------------------------------------------


def _trace_file(tmp: Path) -> tuple[Path, bytes]:
    path = save_traces([make("kept")], tmp / "my_traces.jsonl")
    return path, path.read_bytes()


def _label_file(tmp: Path) -> tuple[Path, bytes]:
    path = tmp / "my_labels.csv"
    LabelStore(path, labeller="ana").label("a", "fail", note="kept")
    return path, path.read_bytes()


@case
def save_no_traces_over_a_trace_file(tmp: Path):
    path, before = _trace_file(tmp)
    exc = sentence(lambda: save_traces([], path))
    check(path.read_bytes() == before, "the trace file was emptied")
    check("overwrite=True" in str(exc), "the sentence does not say how to do it on purpose")


@case
def save_an_empty_filter_of_results_over_a_trace_file(tmp: Path):
    path, before = _trace_file(tmp)
    results = evalbook.run_batch(make, ["a", "b"], progress=False)
    sentence(lambda: save_traces(results[results["answer"] == "nothing matches"], path))
    check(path.read_bytes() == before, "the trace file was emptied")


@case
def save_traces_over_a_label_file(tmp: Path):
    path, before = _label_file(tmp)
    sentence(lambda: save_traces([make()], path))
    check(path.read_bytes() == before, "the label file was replaced by traces")


@case
def save_traces_over_a_label_file_with_a_jsonl_name(tmp: Path):
    path, before = _label_file(tmp)
    disguised = tmp / "looks_like_traces.jsonl"
    disguised.write_bytes(before)
    sentence(lambda: save_traces([make()], disguised))
    check(disguised.read_bytes() == before, "the label file was replaced by traces")


@case
def save_labels_over_a_trace_file(tmp: Path):
    path, before = _trace_file(tmp)
    store = LabelStore(tmp / "l.csv", labeller="ana")
    store.label("a", "pass")
    sentence(lambda: save_labels(store, path))
    check(path.read_bytes() == before, "the trace file was replaced by labels")


@case
def save_no_labels_over_a_label_file(tmp: Path):
    path, before = _label_file(tmp)
    sentence(lambda: save_labels(pd.DataFrame(columns=["trace_id", "labeller", "verdict"]), path))
    check(path.read_bytes() == before, "the label file was emptied")


@case
def overwrite_true_still_replaces_on_purpose(tmp: Path):
    path, _ = _trace_file(tmp)
    save_traces([], path, overwrite=True)
    check(path.read_text(encoding="utf-8") == "", "overwrite=True did not replace the file")


@case
def label_store_on_a_trace_file(tmp: Path):
    path, before = _trace_file(tmp)
    sentence(lambda: LabelStore(path, labeller="ana"))
    check(path.read_bytes() == before, "the trace file was changed")


# --- the course's labelling rules ----------------------------------------------------------------------------


TICKET = {"scenario": "order_status", "should_escalate": False, "persona": "neutral"}


@case
def rule_label_given_no_trace(tmp: Path):
    sentence(lambda: rule_label(None, TICKET))


@case
def rule_label_given_no_ticket(tmp: Path):
    sentence(lambda: rule_label(make(), None))


@case
def rule_label_given_a_partial_ticket(tmp: Path):
    sentence(lambda: rule_label(make(), {"scenario": "order_status"}))


@case
def rule_label_given_an_empty_ticket(tmp: Path):
    sentence(lambda: rule_label(make(), {}))


@case
def rule_label_given_a_ticket_that_is_a_string(tmp: Path):
    sentence(lambda: rule_label(make(), "order_status"))


@case
def rule_label_given_a_series_ticket(tmp: Path):
    check(rule_label(make(), pd.Series(TICKET))["verdict"] == "fail", "a Series ticket was not read")


@case
def rule_label_given_a_tool_call_without_a_name(tmp: Path):
    trace = make("Let me check.", tool_calls=[{"arguments": {"order_id": "A-1010"}, "result": None}])
    check(rule_label(trace, TICKET)["verdict"] in ("pass", "fail"), "no verdict")


@case
def rule_label_given_a_tool_call_with_null_arguments(tmp: Path):
    trace = make(
        "Let me check.",
        tool_calls=[{"name": "issue_refund", "arguments": None, "result": {"error": "automatic limit"}}],
    )
    check(rule_label(trace, TICKET)["category"] == "skipped approval", "wrong verdict")


@case
def rule_label_given_a_tool_result_that_is_text(tmp: Path):
    trace = make(
        "Let me check.",
        tool_calls=[{"name": "issue_refund", "arguments": {}, "result": "over the automatic limit"}],
    )
    check(rule_label(trace, TICKET)["verdict"] == "fail", "no verdict")


# --- trace files with nulls ----------------------------------------------------------------------------------


def _load_and_use(tmp: Path, **changes) -> list[evalbook.Trace]:
    """Write a trace with some fields replaced, load it, and do with it what the lessons do."""
    record = make(
        retrieved=[{"doc_id": "returns", "text": "30 days", "version": "v2"}],
        tool_calls=[{"name": "lookup_order", "arguments": {"order_id": "A-1010"}, "result": {"status": "x"}}],
    ).to_dict()
    for key, value in changes.items():
        if key == "end_state":
            record.pop("outcome")
        record[key] = value
    path = tmp / "t.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    traces = load_traces(path)
    frame = traces_to_frame(traces)
    check(
        frame.loc[0, "prompt_tokens"] is not None and frame.loc[0, "latency_ms"] is not None, "null in a row"
    )
    text = traces[0].summary()
    check("None" not in text, f"'None' shown to the learner: {text[:200]!r}")
    viewer = TraceViewer(traces)
    check("None" not in repr(viewer), "'None' shown in the viewer")
    viewer._repr_html_()
    rule_label(traces[0], TICKET)
    save_traces(traces, tmp / "again.jsonl")
    check(load_traces(tmp / "again.jsonl")[0].to_dict() == traces[0].to_dict(), "changed on a round trip")
    return traces


TRACE_FILES = {
    "null_usage": {"usage": None},
    "null_outcome": {"outcome": None},
    "null_end_state": {"end_state": None},
    "null_token_counts": {"usage": {"prompt_tokens": None, "completion_tokens": None, "total_tokens": None}},
    "null_refunds_in_the_end_state": {"outcome": {"refunds": None, "escalations": None}},
    "retrieved_without_version": {"retrieved": [{"doc_id": "returns", "text": "30 days"}]},
    "null_latency": {"latency_ms": None},
    "null_steps_and_mode": {"steps": None, "mode": None},
    "null_tool_calls_list": {"tool_calls": None},
    "null_retrieved_list": {"retrieved": None},
}
TRACE_FILES_REFUSED = {
    "null_retrieved_item": {"retrieved": [None]},
    "text_retrieved_item": {"retrieved": ["returns"]},
    "null_tool_call": {"tool_calls": [None]},
    "null_message": {"messages": [None]},
    "text_usage": {"usage": "lots"},
}


def _trace_file_case(name, changes):
    def loads_and_works(tmp: Path):
        _load_and_use(tmp, **changes)

    def refused_with_the_line(tmp: Path):
        exc = sentence(lambda: _load_and_use(tmp, **changes))
        check("Line 1 of t.jsonl" in str(exc), f"the line is not named: {exc}")

    function = loads_and_works if name in TRACE_FILES else refused_with_the_line
    function.__name__ = f"trace_file_with_{name}"
    return case(function)


for _name, _changes in {**TRACE_FILES, **TRACE_FILES_REFUSED}.items():
    _trace_file_case(_name, _changes)


# --- numbers from numpy --------------------------------------------------------------------------------------


@case
def numpy_integer_concurrency(tmp: Path):
    results = evalbook.run_batch(make, ["a", "b", "c"], concurrency=np.int64(2), progress=False)
    check(len(results) == 3, "rows missing")


@case
def numpy_int32_concurrency_from_a_table(tmp: Path):
    n = pd.Series([2], dtype="int32").iloc[0]
    check(len(evalbook.run_batch(make, ["a"], concurrency=n, progress=False)) == 1, "rows missing")


# --- running the cases ---------------------------------------------------------------------------------------


def outcome(name: str, tmp: Path) -> str:
    """How a case ends: "ok", "refused" (a sentence where it should have worked), "raw error" (an exception that
    is not a sentence) or "lost" (accepted, but work was lost or changed)."""
    try:
        CASES[name](tmp)
    except Lost as exc:
        return f"lost: {exc}"
    except EvalbookError as exc:
        return f"refused: {exc}"[:300]
    except Exception as exc:
        return f"raw error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path):
    assert outcome(name, tmp_path) == "ok"


if __name__ == "__main__":  # pragma: no cover - the probe behind the issue's before/after counts
    import tempfile
    from collections import Counter

    counts: Counter = Counter()
    for name in CASES:
        with tempfile.TemporaryDirectory() as folder:
            result = outcome(name, Path(folder))
        counts[result.split(":")[0]] += 1
        print(f"{result[:140]:<140}  {name}")
    with tempfile.TemporaryDirectory() as folder:
        cuts = cut_point_outcomes(Path(folder))
    print(f"\n{len(CASES)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        f"cut points of the last row ({sum(cuts.values())}): "
        + ", ".join(f"{k} {v}" for k, v in cuts.items())
    )

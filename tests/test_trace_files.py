"""Saving and loading traces: a mistake never empties a trace file, and bad files or paths are named."""

from __future__ import annotations

import pandas as pd
import pytest

import evalbook
from evalbook import Trace, load_traces, save_traces
from evalbook.course.acme import acme_trace
from evalbook.errors import EvalbookError


def make(answer: str) -> Trace:
    return acme_trace(answer=answer, model="beacon-1", kb_version="v2")


def test_run_batch_results_can_be_saved_directly(tmp_path):
    results = evalbook.run_batch(make, ["a", "b"], progress=False)
    path = save_traces(results, tmp_path / "t.jsonl")
    assert [t.answer for t in load_traces(path)] == ["a", "b"]
    save_traces(make("one"), path)  # a single trace is a list of one
    assert [t.answer for t in load_traces(path)] == ["one"]


@pytest.mark.parametrize(
    "bad, message",
    [
        (pd.DataFrame({"answer": ["x"]}), "no 'trace' column"),
        ([make("a"), "b"], "item 1 is a str"),
        ([make("a"), None], "failed case has no trace"),
        ("traces.jsonl", "got a str"),
    ],
)
def test_a_wrong_argument_leaves_the_existing_file_as_it_was(tmp_path, bad, message):
    path = save_traces([make("kept")], tmp_path / "t.jsonl")
    before = path.read_bytes()
    with pytest.raises(EvalbookError, match=message):
        save_traces(bad, path)
    assert path.read_bytes() == before


def test_bad_paths_and_files_are_sentences(tmp_path):
    with pytest.raises(EvalbookError, match="is a folder"):
        save_traces([make("a")], tmp_path)
    with pytest.raises(EvalbookError, match="is a folder"):
        load_traces(tmp_path)
    with pytest.raises(EvalbookError, match="needs a file name"):
        load_traces(None)
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(EvalbookError, match="not a UTF-8 text file"):
        load_traces(latin)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"answer": null, "model": "m", "kb_version": "v2"}\n', encoding="utf-8")
    with pytest.raises(EvalbookError, match="Line 1 of broken.jsonl: .*answer"):
        load_traces(broken)


def test_label_files_that_are_folders_are_named(tmp_path):
    from evalbook.labels import LabelStore, load_labels

    with pytest.raises(EvalbookError, match="is a folder"):
        LabelStore(tmp_path, labeller="ana")
    with pytest.raises(EvalbookError, match="is a folder"):
        load_labels(tmp_path)


# --- saving never wipes saved work (issue #11, item 7) --------------------------------------------------------


def test_saving_no_traces_over_a_trace_file_is_refused_unless_asked_for(tmp_path):
    path = save_traces([make("kept"), make("also kept")], tmp_path / "t.jsonl")
    before = path.read_bytes()
    results = evalbook.run_batch(make, ["a", "b"], progress=False)
    for nothing in ([], results[results["answer"] == "no such answer"]):
        with pytest.raises(EvalbookError) as info:
            save_traces(nothing, path)
        assert "no traces to save" in str(info.value) and "holds 2 trace(s)" in str(info.value)
        assert "overwrite=True" in str(info.value)
        assert path.read_bytes() == before
    save_traces([], path, overwrite=True)
    assert load_traces(path) == []
    save_traces([], tmp_path / "new.jsonl")  # nothing over nothing is fine


def test_saving_traces_over_a_file_of_another_kind_is_refused(tmp_path):
    from evalbook.labels import LabelStore

    labels = tmp_path / "my_labels.csv"
    LabelStore(labels, labeller="ana").label("a", "fail", note="an hour of work")
    disguised = tmp_path / "labels_backup.jsonl"  # the name says traces, the content says labels
    disguised.write_bytes(labels.read_bytes())
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"todo": "read traces"}\n', encoding="utf-8")
    for path, what in [(labels, "labels"), (disguised, "labels"), (notes, "something else")]:
        before = path.read_bytes()
        with pytest.raises(EvalbookError) as info:
            save_traces([make("x")], path)
        assert f"holds {what}" in str(info.value) and "overwrite=True" in str(info.value)
        assert path.read_bytes() == before
    save_traces([make("x")], notes, overwrite=True)
    assert [t.answer for t in load_traces(notes)] == ["x"]


def test_saving_labels_over_traces_or_nothing_over_labels_is_refused(tmp_path):
    from evalbook.labels import LabelStore, load_labels, save_labels

    traces = save_traces([make("kept")], tmp_path / "my_traces.csv")  # a trace file, whatever its name
    store = LabelStore(tmp_path / "my_labels.csv", labeller="ana")
    store.label("a", "fail")
    before = traces.read_bytes()
    with pytest.raises(EvalbookError, match="holds traces .*overwrite=True"):
        save_labels(store, traces)
    with pytest.raises(EvalbookError, match="holds traces"):
        LabelStore(traces, labeller="ana")
    with pytest.raises(EvalbookError, match="holds traces"):
        store.save_as(traces)
    assert traces.read_bytes() == before
    empty = pd.DataFrame(columns=["trace_id", "labeller", "verdict"])
    with pytest.raises(EvalbookError, match="no labels to save"):
        save_labels(empty, store.path)
    assert list(load_labels(store.path)["trace_id"]) == ["a"]
    save_labels(empty, store.path, overwrite=True)
    assert load_labels(store.path).empty


# --- trace files with nulls (issue #11, item 8) ---------------------------------------------------------------


def test_null_fields_load_as_empty_and_a_null_item_names_the_line(tmp_path):
    import json

    record = make("hi").to_dict()
    record.update(
        usage={"prompt_tokens": None, "total_tokens": None}, latency_ms=None, mode=None, retrieved=None
    )
    record.pop("outcome")
    record["end_state"] = None
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (trace,) = load_traces(path)
    assert trace.latency_ms == 0 and trace.mode == "" and trace.retrieved == []
    assert trace.to_row()["prompt_tokens"] == 0 and "None" not in trace.summary()
    bad = dict(record, retrieved=[{"doc_id": "returns", "text": "30 days"}, None])
    path.write_text(json.dumps(make("ok").to_dict()) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(EvalbookError, match="Line 2 of t.jsonl: This trace's retrieved item 1 is null"):
        load_traces(path)

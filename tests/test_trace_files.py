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

"""The label store: a CSV written on every label, resume, merge, and clear errors that lose nothing."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from evalbook.errors import EvalbookError
from evalbook.labels import (
    LABEL_COLUMNS,
    LabelStore,
    compare_labellers,
    load_labels,
    merge_labels,
    save_labels,
)
from evalbook.paths import data_file


def test_every_label_is_written_to_the_file_at_once(tmp_path):
    path = tmp_path / "labels.csv"
    store = LabelStore(path, labeller="ana")
    assert not path.exists()  # nothing to save yet
    store.label(
        "T-001/atlas-1", "fail", note="says refunded, no issue_refund call", category="phantom refund"
    )
    first = load_labels(path)
    assert list(first.columns) == list(LABEL_COLUMNS)
    assert first.to_dict("records") == [
        {
            "trace_id": "T-001/atlas-1",
            "labeller": "ana",
            "verdict": "fail",
            "note": "says refunded, no issue_refund call",
            "category": "phantom refund",
        }
    ]
    store.label("T-002/atlas-1", "Pass")
    assert list(load_labels(path)["verdict"]) == ["fail", "pass"]


def test_notes_with_commas_quotes_and_newlines_survive_the_round_trip(tmp_path):
    path = tmp_path / "labels.csv"
    note = 'said "done, refunded!"\nthen stopped'
    LabelStore(path, labeller="ana").label("T-1", "fail", note=note)
    assert LabelStore(path, labeller="ana").get("T-1")["note"] == note


def test_relabelling_replaces_the_label_in_place(tmp_path):
    path = tmp_path / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("a", "fail", note="first look")
    store.label("b", "pass")
    store.label("a", "pass", note="on second thought it was fine")
    table = load_labels(path)
    assert list(table["trace_id"]) == ["a", "b"]
    assert table.loc[0, "verdict"] == "pass" and table.loc[0, "note"] == "on second thought it was fine"


def test_resume_after_recreating_the_store_from_the_same_file(tmp_path):
    path = tmp_path / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("a", "fail", note="x")
    store.label("b", "pass")
    del store  # a kernel restart
    again = LabelStore(path, labeller="ana")
    assert again.labelled_ids() == ["a", "b"] and len(again) == 2 and "a" in again
    assert again.get("a")["note"] == "x"
    assert again.counts() == {"pass": 1, "fail": 1}


def test_other_labellers_rows_are_kept(tmp_path):
    path = tmp_path / "shared.csv"
    LabelStore(path, labeller="ana").label("a", "fail")
    ben = LabelStore(path, labeller="ben")
    assert len(ben) == 0 and ben.get("a") is None
    ben.label("a", "pass")
    table = load_labels(path)
    assert sorted(zip(table.labeller, table.verdict, strict=True)) == [("ana", "fail"), ("ben", "pass")]


def test_a_concurrent_edit_is_merged_not_overwritten(tmp_path):
    path = tmp_path / "shared.csv"
    ana = LabelStore(path, labeller="ana")
    ana.label("a", "fail")
    LabelStore(path, labeller="ben").label("b", "pass")  # someone else writes to the file meanwhile
    ana.label("c", "pass")
    assert set(zip(*[load_labels(path)[c] for c in ("trace_id", "labeller")], strict=True)) == {
        ("a", "ana"),
        ("b", "ben"),
        ("c", "ana"),
    }


def test_removing_a_label(tmp_path):
    store = LabelStore(tmp_path / "l.csv", labeller="ana")
    store.label("a", "fail")
    assert store.remove("a") is True and store.remove("a") is False
    assert len(load_labels(tmp_path / "l.csv")) == 0


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("a", "fail", note="kept")
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.label("b", "pass")
    assert path.read_bytes() == before  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["labels.csv"]  # the temporary file was cleaned up
    monkeypatch.undo()
    store.save()  # the label made during the crash is still in memory and reaches the file now
    assert list(load_labels(path)["trace_id"]) == ["a", "b"]


def test_bad_input_to_label_is_refused_with_a_sentence(tmp_path):
    store = LabelStore(tmp_path / "l.csv", labeller="ana")
    with pytest.raises(EvalbookError, match="'pass' or 'fail'"):
        store.label("a", "maybe")
    with pytest.raises(EvalbookError, match="trace_id"):
        store.label("", "pass")
    with pytest.raises(EvalbookError, match="labeller"):
        LabelStore(tmp_path / "l.csv", labeller="a,b")
    assert len(store) == 0


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("trace_id,verdict\na,pass\n", "line 1", "no 'labeller' column"),
        ("trace_id,labeller,verdict,note,category\na,ana,pass,,\nb,ana,maybe,,\n", "line 3", "'maybe'"),
        ("trace_id,labeller,verdict,note,category\na,ana,fail,refunded, no call,x\n", "line 2", "6 fields"),
        (
            "trace_id,labeller,verdict,note,category\na,ana,pass,,\na,ana,fail,,\n",
            "line 3",
            "already on line 2",
        ),
        ("trace_id,labeller,verdict,note,category\n,ana,pass,,\n", "line 2", "trace_id is empty"),
        ('trace_id,labeller,verdict,note,category\na,ana,pass,"unclosed,\n', "line 2", "not valid CSV"),
    ],
)
def test_a_malformed_file_names_the_file_the_line_and_the_problem(tmp_path, text, line, problem):
    path = tmp_path / "broken.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalbookError) as info:
        load_labels(path)
    message = str(info.value)
    assert "broken.csv" in message and line in message and problem in message
    with pytest.raises(EvalbookError):
        LabelStore(path, labeller="ana")
    assert path.read_text(encoding="utf-8") == text  # never overwritten


def test_a_file_broken_while_open_keeps_the_labels_in_memory(tmp_path):
    path = tmp_path / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("a", "fail", note="one")
    path.write_text("trace_id,labeller,verdict\na,ana,perhaps\n", encoding="utf-8")  # a bad hand edit
    with pytest.raises(EvalbookError) as info:
        store.reload()
    assert "line 2" in str(info.value)
    with pytest.raises(EvalbookError) as info:
        store.label("b", "pass")
    assert "safe in memory" in str(info.value) and "line 2" in str(info.value)
    assert store.labelled_ids() == ["a", "b"]
    assert "perhaps" in path.read_text(encoding="utf-8")  # the broken file was not overwritten
    rescued = store.save_as(tmp_path / "rescued.csv")
    assert list(load_labels(rescued)["trace_id"]) == ["a", "b"]


def test_a_missing_or_empty_file(tmp_path):
    with pytest.raises(EvalbookError, match="no label file"):
        load_labels(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert load_labels(tmp_path / "empty.csv").empty
    assert len(LabelStore(tmp_path / "empty.csv")) == 0


def test_extra_columns_are_kept(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("trace_id,labeller,verdict,note,category,minutes\na,ana,pass,,,3\n", encoding="utf-8")
    store = LabelStore(path, labeller="ana")
    store.label("b", "fail")
    table = load_labels(path)
    assert list(table.columns)[-1] == "minutes" and list(table["minutes"]) == ["3", ""]


def test_merge_two_labellers_files_and_compare_them(tmp_path):
    ana, ben = tmp_path / "ana.csv", tmp_path / "ben.csv"
    for trace_id, verdict in [("a", "fail"), ("b", "pass"), ("c", "pass")]:
        LabelStore(ana, labeller="ana").label(trace_id, verdict)
    for trace_id, verdict in [("a", "fail"), ("b", "fail"), ("d", "pass")]:
        LabelStore(ben, labeller="ben").label(trace_id, verdict)
    merged = merge_labels(ana, ben)
    assert len(merged) == 6 and list(merged.columns) == list(LABEL_COLUMNS)
    assert len(merge_labels(ana, ana, ben)) == 6  # the same rows twice count once
    side_by_side = compare_labellers(merged)
    assert list(side_by_side.columns) == ["trace_id", "verdict_ana", "verdict_ben", "agree"]
    assert side_by_side.to_dict("records") == [
        {"trace_id": "a", "verdict_ana": "fail", "verdict_ben": "fail", "agree": True},
        {"trace_id": "b", "verdict_ana": "pass", "verdict_ben": "fail", "agree": False},
    ]


def test_merge_refuses_one_labeller_contradicting_themself(tmp_path):
    one, two = tmp_path / "monday.csv", tmp_path / "tuesday.csv"
    LabelStore(one, labeller="ana").label("a", "fail")
    LabelStore(two, labeller="ana").label("a", "pass")
    with pytest.raises(EvalbookError) as info:
        merge_labels(one, two)
    assert "monday.csv" in str(info.value) and "tuesday.csv" in str(info.value) and "ana" in str(info.value)
    with pytest.raises(EvalbookError, match="at least two labellers"):
        compare_labellers(merge_labels(one))

    LabelStore(two, labeller="ana").label("a", "fail", note="on second thought")
    with pytest.raises(EvalbookError, match=r"the note: '' vs 'on second thought'"):
        merge_labels(one, two)  # same verdict, different note: the message names what differs


def test_compare_labellers_names_duplicates_and_a_single_name():
    labels = pd.DataFrame(
        {"trace_id": ["a", "a", "a"], "labeller": ["ana", "ana", "ben"], "verdict": ["fail", "pass", "fail"]}
    )
    with pytest.raises(EvalbookError, match="ana has more than one label for trace a"):
        compare_labellers(labels)
    with pytest.raises(EvalbookError, match="list of names"):
        compare_labellers(labels, labellers="ana")


def test_save_labels_validates_and_round_trips(tmp_path):
    frame = pd.DataFrame({"trace_id": ["a"], "labeller": ["ana"], "verdict": ["FAIL"]})
    path = save_labels(frame, tmp_path / "out.csv")
    assert load_labels(path).to_dict("records") == [
        {"trace_id": "a", "labeller": "ana", "verdict": "fail", "note": "", "category": ""}
    ]
    with pytest.raises(EvalbookError, match="'pass' or 'fail'"):
        save_labels(frame.assign(verdict="ok"), tmp_path / "bad.csv")


def test_the_shipped_labels_are_valid():
    labels = load_labels(data_file("labels_03.csv"))
    assert len(labels) >= 90 and set(labels["verdict"]) == {"pass", "fail"}
    failed = labels[labels.verdict == "fail"]
    assert (failed["note"] != "").all() and (failed["category"] != "").all()
    assert (labels.loc[labels.verdict == "pass", "category"] == "").all()


def test_repr_is_short_and_has_no_folder(tmp_path):
    store = LabelStore(tmp_path / "l.csv", labeller="ana")
    store.label("a", "fail")
    assert repr(store) == "LabelStore(l.csv, labeller='ana': 1 labelled, 0 pass, 1 fail)"
    assert str(tmp_path) not in store._repr_html_()


def test_spreadsheet_style_csv_files_are_read(tmp_path):
    """Excel-style files: a byte-order mark, CRLF line ends, or semicolons instead of commas."""
    from evalbook.labels import load_labels

    bom = tmp_path / "bom.csv"
    bom.write_bytes(
        "\ufefftrace_id,labeller,verdict,note,category\r\nT-1,ana,fail,claims refund,\r\n".encode()
    )
    semi = tmp_path / "semi.csv"
    semi.write_text("trace_id;labeller;verdict;note;category\nT-2;ben;pass;fine, thanks;\n", encoding="utf-8")
    assert load_labels(bom)[["trace_id", "verdict"]].values.tolist() == [["T-1", "fail"]]
    assert load_labels(semi)[["trace_id", "note"]].values.tolist() == [["T-2", "fine, thanks"]]


# --- a shared file never loses labels (issue #11, item 6) ------------------------------------------------------


def _rows(path) -> dict[tuple[str, str], tuple[str, str]]:
    table = load_labels(path)
    return {(r.trace_id, r.labeller): (r.verdict, r.note) for r in table.itertuples()}


def test_two_stores_on_one_file_keep_each_others_corrections(tmp_path):
    path = tmp_path / "shared.csv"
    ana, ben = LabelStore(path, labeller="ana"), LabelStore(path, labeller="ben")
    ben.label("b", "pass")
    ana.label("a", "fail")  # ana's store now holds a copy of ben's row
    ben.label("b", "fail", note="corrected: the refund never happened")
    ana.label("c", "pass")  # must not write ana's stale copy of ben's row back
    assert _rows(path)[("b", "ben")] == ("fail", "corrected: the refund never happened")
    assert ana.to_frame(all_labellers=True).set_index("trace_id").loc["b", "verdict"] == "fail"


def test_a_removed_label_is_not_brought_back_by_another_store(tmp_path):
    path = tmp_path / "shared.csv"
    ana, ben = LabelStore(path, labeller="ana"), LabelStore(path, labeller="ben")
    ben.label("b", "pass")
    ana.label("a", "fail")
    ben.remove("b")
    ana.label("c", "pass")
    assert set(_rows(path)) == {("a", "ana"), ("c", "ana")}


def test_lesson_03_demo_and_resumed_stores_keep_a_correction(tmp_path):
    """Lesson 03 opens a second store (same labeller, same file) to show resuming; both stay usable."""
    path = tmp_path / "demo_labels.csv"
    demo = LabelStore(path, labeller="ana")
    demo.label("x", "pass")
    demo.label("y", "fail", note="first look")
    resumed = LabelStore(path, labeller="ana")
    resumed.label("x", "fail", note="on a second look the refund was never issued")
    demo.label("z", "pass")
    assert _rows(path) == {
        ("x", "ana"): ("fail", "on a second look the refund was never issued"),
        ("y", "ana"): ("fail", "first look"),
        ("z", "ana"): ("pass", ""),
    }
    assert demo.get("x")["verdict"] == "fail"  # the older store sees the correction after its own save
    resumed.remove("y")
    demo.label("z", "fail")
    assert set(_rows(path)) == {("x", "ana"), ("z", "ana")}


def test_save_as_onto_an_existing_file_merges_and_never_wipes_it(tmp_path):
    theirs, mine = tmp_path / "team.csv", tmp_path / "mine.csv"
    LabelStore(theirs, labeller="ben").label("q", "pass", note="fine")
    store = LabelStore(mine, labeller="ana")
    store.label("a", "fail", note="made up a refund")
    assert store.save_as(theirs) == theirs
    assert _rows(theirs) == {("q", "ben"): ("pass", "fine"), ("a", "ana"): ("fail", "made up a refund")}
    store.label("b", "pass")  # the store now works on team.csv
    assert ("b", "ana") in _rows(theirs) and ("b", "ana") not in _rows(mine)


def test_save_as_refuses_to_replace_a_different_label_by_the_same_labeller(tmp_path):
    theirs, mine = tmp_path / "monday.csv", tmp_path / "tuesday.csv"
    LabelStore(theirs, labeller="ana").label("a", "pass", note="looked fine on Monday")
    store = LabelStore(mine, labeller="ana")
    store.label("a", "fail", note="no refund call")
    before = theirs.read_bytes()
    with pytest.raises(EvalbookError) as info:
        store.save_as(theirs)
    message = str(info.value)
    assert "monday.csv" in message and "'a'" in message and "merge_labels" in message
    assert theirs.read_bytes() == before and store.path == mine
    assert store.get("a")["verdict"] == "fail"


def test_a_left_over_lock_file_does_not_block_saving(tmp_path):
    path = tmp_path / "labels.csv"
    (tmp_path / ".labels.csv.lock").write_text("12345\n", encoding="utf-8")  # from a crashed process
    LabelStore(path, labeller="ana").label("a", "fail")
    assert _rows(path) == {("a", "ana"): ("fail", "")}


def test_a_busy_file_is_a_sentence_and_the_label_stays_in_memory(tmp_path, monkeypatch):
    from evalbook import paths
    from evalbook.paths import file_lock

    path = tmp_path / "labels.csv"
    store = LabelStore(path, labeller="ana")
    store.label("a", "fail")
    monkeypatch.setattr(paths, "LOCK_TIMEOUT", 0.3)
    with file_lock(path), pytest.raises(EvalbookError) as info:
        store.label("b", "pass")  # another save holds the lock for longer than the store waits
    assert "busy" in str(info.value) and "safe in memory" in str(info.value)
    assert store.labelled_ids() == ["a", "b"]
    store.save()
    assert set(_rows(path)) == {("a", "ana"), ("b", "ana")}


_LABELLING_PROCESS = """
import sys, time
from pathlib import Path
from evalbook.labels import LabelStore

path, labeller, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
start = Path(path).parent.parent / "start"
(start.parent / f"ready-{labeller}").touch()
deadline = time.monotonic() + 60
while not start.exists() and time.monotonic() < deadline:  # both processes begin together
    time.sleep(0.001)
acknowledged = 0
for i in range(n):
    store = LabelStore(path, labeller=labeller) if i % 50 == 0 else store
    store.label(f"T-{i:03d}", "fail" if i % 3 else "pass", note=f"{labeller} note {i}, with a comma")
    acknowledged += 1
print(acknowledged)
"""


def test_two_processes_labelling_one_file_lose_no_label(tmp_path):
    import subprocess
    import sys
    import time

    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "shared.csv"
    n = 200
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _LABELLING_PROCESS, str(path), name, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("ana", "ben")
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{name}").exists() for name in ("ana", "ben")):
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers), (
            "a worker did not start"
        )
        time.sleep(0.01)
    (tmp_path / "start").touch()
    acknowledged = 0
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, err
        acknowledged += int(out.strip())
    rows = _rows(path)
    assert acknowledged == 2 * n
    assert len(rows) == acknowledged  # 0 lost
    assert rows[("T-199", "ben")] == ("fail", "ben note 199, with a comma")
    assert sorted(p.name for p in folder.iterdir()) == ["shared.csv"]  # no lock or temporary file left

"""TraceViewer and Labeller: state changes without a browser, the CSV behind the labeller, the widget wiring,
and deterministic snapshots for places where widgets are not rendered."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from evalbook.course.acme import acme_trace
from evalbook.errors import EvalbookError
from evalbook.labels import LabelStore, load_labels
from evalbook.trace import Trace
from evalbook.widgets import Labeller, TraceViewer, trace_html, trace_text


def make_trace(model: str, answer: str, **extra) -> Trace:
    return acme_trace(
        answer=answer,
        model=model,
        kb_version="v2",
        mode="sim",
        latency_simulated=True,
        messages=[
            {"role": "system", "content": "You are Acme Assist."},
            {"role": "user", "content": "Refund order A-1010 please"},
            {"role": "assistant", "content": answer},
        ],
        **extra,
    )


@pytest.fixture
def traces() -> pd.DataFrame:
    rows = []
    for number, scenario in enumerate(["refund_eligible", "order_status", "support_hours"], start=1):
        for model in ("atlas-1", "beacon-1"):
            rows.append(
                {
                    "trace_id": f"T-{number:03d}/{model}",
                    "ticket_id": f"T-{number:03d}",
                    "scenario": scenario,
                    "model": model,
                    "trace": make_trace(model, f"answer {number} from {model}"),
                }
            )
    return pd.DataFrame(rows)


def test_navigation_moves_and_stops_at_the_ends(traces):
    viewer = TraceViewer(traces)
    assert viewer.current_id == "T-001/atlas-1" and viewer.status() == "TraceViewer: trace 1 of 6"
    viewer.previous()
    assert viewer.position == 0
    viewer.next().next()
    assert viewer.current_id == "T-002/atlas-1"
    viewer.jump(6).next()
    assert viewer.current_id == "T-003/beacon-1"
    viewer.jump("T-001/beacon-1")
    assert viewer.position == 1 and viewer.trace.model == "beacon-1"


def test_jump_errors_say_what_to_do(traces):
    viewer = TraceViewer(traces).filter(model="beacon-1")
    with pytest.raises(EvalbookError, match="1 to 3"):
        viewer.jump(4)
    with pytest.raises(EvalbookError, match="filters hide it"):
        viewer.jump("T-001/atlas-1")
    with pytest.raises(EvalbookError, match="no trace has that id"):
        viewer.jump("T-999/atlas-1")


def test_filters_by_model_scenario_and_label(traces):
    labels = pd.DataFrame(
        [
            {"trace_id": "T-001/atlas-1", "labeller": "ana", "verdict": "fail", "note": "x", "category": ""},
            {"trace_id": "T-002/beacon-1", "labeller": "ana", "verdict": "pass", "note": "", "category": ""},
        ]
    )
    viewer = TraceViewer(traces, labels=labels, filters=["model", "scenario"])
    assert viewer.options("model") == ["all", "atlas-1", "beacon-1"]
    viewer.jump("T-002/atlas-1").filter(model="atlas-1")
    assert viewer.current_id == "T-002/atlas-1"  # still matches, so the viewer stays on it
    assert [viewer.records[i]["trace_id"] for i in viewer.visible] == [
        "T-001/atlas-1",
        "T-002/atlas-1",
        "T-003/atlas-1",
    ]
    viewer.filter(scenario="support_hours")
    assert viewer.current_id == "T-003/atlas-1" and len(viewer.visible) == 1
    viewer.clear_filters().filter(label="fail")
    assert [viewer.records[i]["trace_id"] for i in viewer.visible] == ["T-001/atlas-1"]
    viewer.filter(label="unlabelled")
    assert len(viewer.visible) == 4
    viewer.filter(label="pass", model="atlas-1")
    assert viewer.current is None and "no trace matches" in viewer.status()
    with pytest.raises(EvalbookError, match="Choose one of"):
        viewer.filter(model="gpt-x")


def test_the_text_and_html_show_every_part_of_a_trace():
    trace = make_trace(
        "atlas-1",
        "Refund of $20.00 issued.",
        tool_calls=[
            {"name": "lookup_order", "arguments": {"order_id": "A-1010"}, "result": {"amount": 20.0}},
            {"name": "issue_refund", "arguments": {"order_id": "A-1010"}, "result": {"status": "refunded"}},
        ],
        retrieved=[
            {
                "doc_id": "refunds",
                "title": "Refunds",
                "text": "Refunds <b>take</b> 5-7 days.",
                "kb_version": "v2",
            }
        ],
        usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        latency_ms=321,
        end_state={"refunds": [{"order_id": "A-1010", "amount": 20.0}], "escalations": []},
    )
    trace.messages[2:2] = [
        {"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": "lookup_order"}}]},
        {"role": "tool", "content": "{}"},
        {"role": "assistant", "tool_calls": [{"id": "2", "function": {"name": "issue_refund"}}]},
        {"role": "tool", "content": "{}"},
    ]
    record = {"trace_id": "T-1", "trace": trace, "scenario": "refund_eligible"}
    label = [{"labeller": "ana", "verdict": "pass", "note": "good", "category": ""}]
    text = trace_text(record, label, show=("scenario",))
    for part in (
        "[T-1]",
        "model atlas-1 (sim, simulated)",
        "scenario refund_eligible",
        "tokens 15",
        "321 ms (simulated)",
        "customer: Refund order A-1010 please",
        '-> lookup_order({"order_id": "A-1010"})',
        '<- {\n       "status": "refunded"\n     }',  # whole and pretty-printed, indented under the arrow
        "source refunds@v2",
        "assistant: Refund of $20.00 issued.",
        "1 refund(s) issued ($20.00 on A-1010)",
        "label ana: pass: good",
    ):
        assert part in text, part
    page = trace_html(record, label)
    assert "refunds</code>" not in page or "@v2" in page
    assert "&lt;b&gt;take&lt;/b&gt;" in page and "<b>take</b>" not in page  # escaped


def test_snapshots_are_deterministic_and_hold_no_model_id(traces):
    one, two = TraceViewer(traces), TraceViewer(traces)
    assert repr(one) == repr(two) and one._repr_html_() == two._repr_html_()
    bundle = one._repr_mimebundle_()
    assert bundle["text/plain"] == repr(one)
    assert bundle["text/html"] == one.html()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget for Jupyter
    assert "model_id" not in bundle["text/html"] and "model_id" not in bundle["text/plain"]


def test_buttons_and_dropdowns_call_the_state_methods(traces):
    viewer = TraceViewer(traces)
    ui = viewer.widget and viewer._ui
    ui["next"].click()
    assert viewer.position == 1 and ui["jump"].value == 2
    ui["jump"].value = 5
    assert viewer.current_id == "T-003/atlas-1"
    ui["model"].value = "beacon-1"
    assert viewer.filters["model"] == "beacon-1" and len(viewer.visible) == 3
    assert viewer.current_id == "T-001/beacon-1"  # the trace on screen was hidden: back to the first shown
    ui["next"].click()
    ui["next"].click()
    ui["previous"].click()
    assert viewer.current_id == "T-002/beacon-1"
    assert "T-002/beacon-1" in ui["body"].value and "trace 2 of 3" in ui["status"].value
    viewer.jump(1)  # a method call updates the widgets too
    assert ui["previous"].disabled and ui["jump"].value == 1


def test_labeller_saves_each_label_and_moves_on(traces, tmp_path):
    path = tmp_path / "mine.csv"
    labeller = Labeller(traces, path, labeller="ana")
    labeller.label("fail", "claims a refund; no issue_refund call", "phantom refund")
    assert labeller.current_id == "T-001/beacon-1"
    assert load_labels(path).to_dict("records") == [
        {
            "trace_id": "T-001/atlas-1",
            "labeller": "ana",
            "verdict": "fail",
            "note": "claims a refund; no issue_refund call",
            "category": "phantom refund",
        }
    ]
    labeller.jump(4).label("pass")
    labeller.jump(2).label("pass")
    assert labeller.current_id == "T-002/atlas-1"  # the next one not yet labelled, skipping T-002/beacon-1
    assert labeller.progress == (3, 6)
    assert "3 of 6 labelled (2 pass, 1 fail)" in labeller.status()


def test_labeller_resumes_at_the_first_unlabelled_trace(traces, tmp_path):
    path = tmp_path / "mine.csv"
    first = Labeller(traces, path, labeller="ana")
    first.label("pass")
    first.label("fail", "x")
    resumed = Labeller(traces, path, labeller="ana")  # after a kernel restart
    assert resumed.current_id == "T-002/atlas-1" and resumed.progress == (2, 6)
    assert resumed.labels_for("T-001/beacon-1")[0]["note"] == "x"
    other = Labeller(traces, path, labeller="ben")  # a second person starts from the beginning
    assert other.current_id == "T-001/atlas-1" and other.progress == (0, 6)


def test_labelling_the_unlabelled_view_keeps_going_until_done(traces, tmp_path):
    labeller = Labeller(traces, tmp_path / "l.csv", labeller="ana").filter(label="unlabelled")
    for _ in range(6):
        labeller.label("pass")
    assert labeller.progress == (6, 6) and labeller.current is None
    with pytest.raises(EvalbookError, match="change the filters"):
        labeller.label("pass")


def save(form, **fields) -> None:
    """What the browser sends when Save or Enter is pressed: one message with everything on screen."""
    form._handle_custom_msg({"event": "save", "trace_id": form.trace_id, **fields}, [])


def test_the_form_saves_what_was_on_screen_and_resets_for_the_next_trace(traces, tmp_path):
    path = tmp_path / "l.csv"
    labeller = Labeller(traces, path, labeller="ana", categories=["phantom refund"])
    form = labeller.widget and labeller._ui["form"]
    assert form.trace_id == "T-001/atlas-1" and form.categories == ["phantom refund"]
    save(form, verdict="", note="typed before choosing")
    assert not path.exists() and "Choose Pass or Fail first" in form.message
    assert form.ack == 1  # the browser unlocks the form, and keeps the typed note in its box
    revision = form.revision
    save(form, verdict="fail", note="typed before choosing", category="phantom refund")
    assert load_labels(path)[["note", "category"]].values.tolist() == [
        ["typed before choosing", "phantom refund"]
    ]
    assert labeller.current_id == "T-001/beacon-1" and form.trace_id == "T-001/beacon-1"
    assert form.revision > revision and form.ack == 2
    assert (form.verdict, form.note, form.category) == ("", "", "")  # fresh fields for the next trace
    save(form, verdict="pass")
    assert load_labels(path)["verdict"].tolist() == ["fail", "pass"]
    labeller.jump(1)
    assert (form.verdict, form.note) == ("fail", "typed before choosing")  # shows the saved label


def test_the_saved_note_is_the_one_in_the_message_not_a_stale_widget_value(traces, tmp_path):
    """In a browser, the note box's last keystrokes can reach the kernel after the save (busy kernel, fast typing).
    The form's message carries the whole note, so the label never depends on that race."""
    path = tmp_path / "l.csv"
    labeller = Labeller(traces, path, labeller="ana")
    form = labeller.widget and labeller._ui["form"]
    form.note = "t"  # all the kernel has seen of the note box so far
    save(form, verdict="fail", note="typed while the kernel was busy")
    assert load_labels(path)["note"].tolist() == ["typed while the kernel was busy"]
    assert form.note == ""  # nothing carried over to the next trace


def test_the_form_labels_the_trace_it_showed(traces, tmp_path):
    path = tmp_path / "l.csv"
    labeller = Labeller(traces, path, labeller="ana")
    form = labeller.widget and labeller._ui["form"]
    labeller.jump(3)  # the kernel moved on (say, from code) before the browser's save arrived
    form._handle_custom_msg({"event": "save", "trace_id": "T-001/atlas-1", "verdict": "pass"}, [])
    assert load_labels(path)["trace_id"].tolist() == ["T-001/atlas-1"]
    form._handle_custom_msg({"event": "save", "trace_id": "T-999/nobody", "verdict": "pass"}, [])
    assert "Not saved" in form.message and "T-999/nobody" in form.message
    assert load_labels(path)["trace_id"].tolist() == ["T-001/atlas-1"]


def test_a_broken_label_file_is_reported_in_the_widget_and_labels_stay(traces, tmp_path):
    path = tmp_path / "l.csv"
    labeller = Labeller(traces, path, labeller="ana")
    labeller.label("pass")
    path.write_text("trace_id,labeller,verdict\nx,ana,???\n", encoding="utf-8")
    form = labeller.widget and labeller._ui["form"]
    save(form, verdict="fail", note="kept")
    assert "Not saved" in form.message and "line 2" in form.message and form.ack == 1
    assert labeller.store.labelled_ids() == ["T-001/atlas-1", "T-001/beacon-1"]


def test_the_form_front_end_sends_everything_in_one_save_message():
    source = (resources.files("evalbook") / "label_form.js").read_text(encoding="utf-8")
    message = source[source.index("model.send(") : source.index("});", source.index("model.send("))]
    for field in ("trace_id", "verdict", "note", "category"):
        assert f"{field}:" in message, field
    assert 'event: "save"' in message and "export default { render }" in source


def test_labeller_accepts_an_existing_store(traces, tmp_path):
    store = LabelStore(tmp_path / "l.csv", labeller="ana")
    store.label("T-001/atlas-1", "fail")
    labeller = Labeller(traces, store)
    assert labeller.store is store and labeller.current_id == "T-001/beacon-1"


def test_clear_errors_for_tables_that_are_not_traces(traces):
    with pytest.raises(EvalbookError, match="trace_id"):
        TraceViewer(traces.drop(columns="trace_id"))
    with pytest.raises(EvalbookError, match="'trace' column"):
        TraceViewer(traces.drop(columns="trace"))
    with pytest.raises(EvalbookError, match="share the id"):
        TraceViewer(pd.concat([traces, traces.head(1)]))
    with pytest.raises(EvalbookError, match="not a Trace"):
        TraceViewer(traces.assign(trace=None))
    listed = TraceViewer([make_trace("beacon-1", "hi"), make_trace("atlas-1", "yo")])
    assert listed.current_id == "1" and listed.options("model") == ["all", "atlas-1", "beacon-1"]


def test_a_labels_table_without_trace_ids_is_named(traces):
    with pytest.raises(EvalbookError, match="no trace_id column"):
        TraceViewer(traces, labels=pd.DataFrame({"verdict": ["pass"]}))


def test_an_unwritable_label_file_is_reported_in_the_form(traces, tmp_path, monkeypatch):
    labeller = Labeller(traces, tmp_path / "l.csv", labeller="ana")
    form = labeller.widget and labeller._ui["form"]

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(labeller.store, "label", disk_full)
    save(form, verdict="fail", note="kept in the box")
    assert "Not saved: OSError" in form.message and "No space left" in form.message and form.ack == 1
    assert labeller.current_id == "T-001/atlas-1"  # still on the same trace

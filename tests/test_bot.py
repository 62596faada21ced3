"""The product under test: the tool loop, its end state, and the Trace."""

from __future__ import annotations

import json

import pytest

import evalbook
from evalbook import Trace
from evalbook.course import acme
from evalbook.course.acme import SupportBot
from evalbook.errors import EvalbookError

PHANTOM = "Where is my refund for order A-1026?"  # atlas-1 claims it without calling the tool


def test_beacon_issues_an_eligible_refund_and_the_shop_records_it():
    trace = SupportBot("beacon-1").run(PHANTOM)
    assert trace.tool_names == ["lookup_order", "issue_refund"]
    assert trace.refunds_issued and trace.refunds_issued[0]["order_id"] == "A-1026"
    assert "issued" in trace.answer


def test_atlas_claims_a_refund_it_never_issued():
    trace = SupportBot("atlas-1").run(PHANTOM)
    assert "has been processed" in trace.answer
    assert trace.tool_calls == [] and trace.refunds_issued == []


def test_over_limit_refund_is_escalated_by_beacon():
    orders = acme.load_orders()
    state = acme.ShopState.fresh()
    big = next(o for o in orders.order_id if state.lookup_order(o)["requires_human_approval"])
    trace = SupportBot("beacon-1").run(f"Please refund order {big}, it's broken.")
    assert trace.escalated and not trace.refunds_issued


def test_stale_answer_from_memory_versus_grounded_answer():
    q = "What are your support hours?"
    assert "24/7" in SupportBot("atlas-1").run(q).answer  # from memory, ignoring KB v2
    grounded = SupportBot("beacon-1").run(q)
    assert "9am-5pm" in grounded.answer
    assert grounded.retrieved and grounded.retrieved[0]["kb_version"] == "v2"
    assert "24/7" in SupportBot("beacon-1", kb_version="v1").run(q).answer


def test_each_conversation_starts_from_a_fresh_shop():
    bot = SupportBot("beacon-1")
    assert bot.run(PHANTOM).refunds_issued
    assert bot.run(PHANTOM).refunds_issued  # the second run refunds again: nothing leaked between them


def test_removing_a_tool_changes_behaviour():
    trace = SupportBot("beacon-1", tools=["lookup_order", "search_kb", "escalate_to_human"]).run(PHANTOM)
    assert "issue_refund" not in trace.tool_names and not trace.refunds_issued


def test_trace_json_has_the_contract_keys_and_round_trips():
    trace = SupportBot("beacon-1").run("How long does standard shipping take?")
    data = json.loads(trace.to_json())
    for key in ("answer", "model", "tool_calls", "retrieved", "messages", "metadata", "outcome", "input"):
        assert key in data
    for call in data["tool_calls"]:
        assert set(call) >= {"name", "arguments", "result"}
    again = Trace.from_json(trace.to_json())
    assert again == trace
    row = again.to_row()
    assert row["tools"] == "search_kb" and row["retrieved_docs"].endswith("@v2") and row["trace"] is again


def test_trace_files_round_trip_and_bad_lines_are_named(tmp_path):
    traces = [SupportBot(m).run(PHANTOM) for m in ("atlas-1", "beacon-1")]
    path = evalbook.save_traces(traces, tmp_path / "t.jsonl")
    assert evalbook.load_traces(path) == traces
    path.write_text(path.read_text() + "not json\n")
    with pytest.raises(EvalbookError, match="Line 3 of t.jsonl"):
        evalbook.load_traces(path)
    frame = evalbook.traces_to_frame(traces)
    assert list(frame["model"]) == ["atlas-1", "beacon-1"]


def test_api_failure_is_kept_in_the_trace_not_raised():
    trace = SupportBot("no-such-model", client=evalbook.client()).run(PHANTOM)
    assert trace.error and "does not exist" in trace.error and trace.answer == ""


def test_a_typo_in_the_model_name_is_caught_at_once_with_a_suggestion():
    with pytest.raises(EvalbookError, match="Did you mean 'atlas-1'"):
        SupportBot("atlas1")


def test_a_whole_row_instead_of_a_message_says_what_to_pass():
    with pytest.raises(EvalbookError, match="input_column='message'"):
        SupportBot("beacon-1").run({"message": "hi", "ticket_id": "T-1"})


def test_bad_input_gets_a_sentence():
    with pytest.raises(EvalbookError, match="string"):
        SupportBot("beacon-1").run(42)
    with pytest.raises(EvalbookError, match="Unknown tool"):
        SupportBot("beacon-1", tools=["delete_database"])
    with pytest.raises(EvalbookError, match="empty"):
        SupportBot("beacon-1").run("   ")


def test_a_whole_column_or_table_instead_of_a_message_says_what_to_pass():

    tickets = acme.load_tickets().head(3)
    bot = SupportBot("beacon-1")
    for wrong in (tickets["message"], tickets, tickets["message"].to_numpy()):
        with pytest.raises(EvalbookError, match="whole column or table"):
            bot.run(wrong)
    with pytest.raises(EvalbookError, match="whole row"):
        bot.run(tickets.iloc[0])


def test_latency_is_simulated_and_reproducible():
    a, b = SupportBot("beacon-1").run(PHANTOM), SupportBot("beacon-1").run(PHANTOM)
    assert a.latency_ms == b.latency_ms > 0 and a.latency_simulated


def test_wrong_settings_get_a_sentence():

    for settings, fragment in [
        ({"tools": None}, "list of tool names"),
        ({"max_steps": "3"}, "max_steps"),
        ({"client": "x"}, "OpenAI client"),
    ]:
        with pytest.raises(EvalbookError, match=fragment):
            SupportBot("beacon-1", **settings)
    with pytest.raises(EvalbookError, match="whole number"):
        acme.search_kb("refund", k="2")

"""The generic toolkit on a product that is not Acme: traces from logs, the tool loop, checks, old trace files."""

from __future__ import annotations

import json

import openai
import pandas as pd
import pytest

import evalbook
from evalbook import Trace, checks, run_agent, tool_schema
from evalbook._http import httpx
from evalbook.errors import InputError

# --- a tiny product of our own: a room-booking assistant with a scripted fake model -----------------------------


def book_room(room: str, hour: int) -> dict:
    """Book a meeting room for one hour."""
    if room not in ("Oak", "Pine"):
        return {"error": f"No room called {room}."}
    return {"status": "booked", "room": room, "hour": hour}


def find_rooms(hour: int, people: int = 2) -> dict:
    """List the rooms free at an hour."""
    return {"free": ["Oak", "Pine"] if people < 8 else ["Oak"]}


class ScriptedModel(httpx.BaseTransport):
    """Answers chat completions from a script: first a tool call, then a reply that reads the tool's result."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []

    def handle_request(self, request):
        body = json.loads(request.read())
        self.requests.append(body)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        message = {"role": "assistant", "content": None}
        if isinstance(step, tuple):
            name, arguments = step
            message["tool_calls"] = [
                {"id": f"c{len(self.requests)}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(arguments)}}
            ]  # fmt: skip
        else:
            message["content"] = step
        payload = {
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }  # fmt: skip
        return httpx.Response(200, json=payload)


def fake_client(script) -> tuple[openai.OpenAI, ScriptedModel]:
    model = ScriptedModel(script)
    client = openai.OpenAI(
        api_key="x", base_url="http://fake.invalid/v1", http_client=httpx.Client(transport=model)
    )
    return client, model


def test_run_agent_runs_any_product_tools_and_records_the_trace():
    client, model = fake_client([("book_room", {"room": "Oak", "hour": 10}), "Booked Oak at 10."])
    messages = [
        {"role": "system", "content": "You book rooms."},
        {"role": "user", "content": "Oak at 10 please"},
    ]
    trace = run_agent(client, "my-model", messages, {"book_room": book_room, "find_rooms": find_rooms})
    assert trace.answer == "Booked Oak at 10." and trace.input == "Oak at 10 please"
    assert trace.tool_calls == [
        {"name": "book_room", "arguments": {"room": "Oak", "hour": 10}, "result": book_room("Oak", 10)}
    ]
    assert trace.usage["total_tokens"] == 30 and trace.steps == 2 and not trace.latency_simulated
    sent = model.requests[0]["tools"]
    assert [t["function"]["name"] for t in sent] == ["book_room", "find_rooms"]
    assert sent[0]["function"]["parameters"]["required"] == ["room", "hour"]
    assert messages[-1]["role"] == "user"  # the caller's list is not modified


def test_run_agent_records_bad_tool_calls_as_results_and_api_failures_as_errors():
    client, _ = fake_client([("cancel_room", {"room": "Oak"}), ("book_room", {"room": "Oak"}), "Sorry."])
    trace = run_agent(client, "m", [{"role": "user", "content": "x"}], {"book_room": book_room})
    assert trace.tool_calls[0]["result"] == {"error": "There is no tool called 'cancel_room'."}
    assert "Bad arguments for book_room" in trace.tool_calls[1]["result"]["error"]
    looping, _ = fake_client([("find_rooms", {"hour": 9})])
    stuck = run_agent(
        looping, "m", [{"role": "user", "content": "x"}], {"find_rooms": find_rooms}, max_steps=3
    )
    assert stuck.error == "The assistant did not answer within 3 steps." and len(stuck.tool_calls) == 3


def test_run_agent_refuses_things_that_are_not_tools():
    client, _ = fake_client(["hi"])
    with pytest.raises(TypeError, match="'book' is not"):
        run_agent(client, "m", [{"role": "user", "content": "x"}], {"book": "book_room"})
    with pytest.raises(ValueError, match="max_steps"):
        run_agent(client, "m", [{"role": "user", "content": "x"}], {}, max_steps=0)


def test_tool_schema_reads_the_signature_and_docstring():
    schema = tool_schema(find_rooms)["function"]
    assert schema["name"] == "find_rooms" and schema["description"] == "List the rooms free at an hour."
    assert schema["parameters"]["properties"] == {"hour": {"type": "integer"}, "people": {"type": "integer"}}
    assert schema["parameters"]["required"] == ["hour"]


# --- traces from logs ------------------------------------------------------------------------------------------

LOG = [
    {"role": "system", "content": "You book rooms."},
    {"role": "user", "content": "Pine at 3?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "a",
                "type": "function",
                "function": {"name": "book_room", "arguments": '{"room": "Pine", "hour": 15}'},
            }
        ],
    },  # fmt: skip
    {"role": "tool", "tool_call_id": "a", "content": '{"status": "booked", "room": "Pine", "hour": 15}'},
    {"role": "assistant", "content": "Pine is yours at 3pm."},
]


def test_from_messages_turns_an_openai_log_into_a_trace():
    trace = Trace.from_messages(LOG, model="gpt-x", outcome={"bookings": [{"room": "Pine"}]})
    assert trace.input == "Pine at 3?" and trace.answer == "Pine is yours at 3pm." and trace.model == "gpt-x"
    assert trace.tool_calls == [
        {"name": "book_room", "arguments": {"room": "Pine", "hour": 15}, "result": {"status": "booked", "room": "Pine", "hour": 15}}
    ]  # fmt: skip
    text = trace.summary()
    assert "user: Pine at 3?" in text and '-> book_room({"room": "Pine", "hour": 15})' in text
    assert "outcome: bookings: 1" in text
    assert trace.to_row()["bookings"] == 1
    with pytest.raises(InputError, match="Message 1 is not"):
        Trace.from_messages([LOG[0], "hello"])


def test_load_conversations_names_every_malformed_line(tmp_path):
    path = tmp_path / "logs.jsonl"
    good = json.dumps({"messages": LOG, "model": "gpt-x", "metadata": {"channel": "slack"}})
    path.write_text(good + "\n" + json.dumps(LOG) + "\n\n", encoding="utf-8")
    traces = evalbook.load_conversations(path)
    assert len(traces) == 2 and traces[0].model == "gpt-x" and traces[0].metadata == {"channel": "slack"}
    path.write_text(
        good + "\n{not json\n" + json.dumps({"msgs": []}) + "\n" + json.dumps([{"content": "x"}]) + "\n"
    )
    with pytest.raises(InputError) as caught:
        evalbook.load_conversations(path)
    message = str(caught.value)
    assert "3 malformed line(s)" in message
    assert "line 2: not valid JSON" in message and "line 3: an object without a 'messages' list" in message
    assert "line 4: Message 0 is not" in message


def test_trace_files_from_evalbook_0_1_still_load(tmp_path):
    old = {
        "answer": "Done.", "model": "beacon-1", "kb_version": "v1", "mode": "sim",
        "tool_calls": [], "retrieved": [{"doc_id": "hours", "kb_version": "v1", "text": "24/7"}],
        "messages": [{"role": "user", "content": "hours?"}], "usage": None,
        "end_state": {"refunds": [], "escalations": [{"case_id": "H-001"}]}, "latency_ms": 5,
    }  # fmt: skip
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(old) + "\n", encoding="utf-8")
    (trace,) = evalbook.load_traces(path)
    assert trace.metadata == {"kb_version": "v1"} and trace.outcome["escalations"] == [{"case_id": "H-001"}]
    assert trace.input == "hours?" and trace.usage["total_tokens"] == 0
    assert trace.to_row()["retrieved_docs"] == "hours@v1"
    from evalbook.course import acme

    (as_acme,) = evalbook.load_traces(path, trace_type=acme.AcmeTrace)
    assert (
        as_acme.kb_version == "v1"
        and as_acme.escalated
        and "end state: 0 refund(s) issued, 1 escalation(s)" in as_acme.summary()
    )


def test_a_saved_trace_comes_back_as_its_kind():
    from evalbook.course import acme

    trace = acme.SupportBot("beacon-1").run("What are your support hours?")
    again = Trace.from_json(trace.to_json())
    assert type(again) is acme.AcmeTrace and again == trace


# --- checks ----------------------------------------------------------------------------------------------------


def test_check_primitives_read_the_trace():
    trace = Trace.from_messages(LOG, outcome={"bookings": [{"room": "Pine"}], "refunds": 0})
    assert checks.called(trace, "book_room") and not checks.called(trace, "find_rooms")
    assert checks.called_with(trace, "book_room", room="Pine") and not checks.called_with(
        trace, "book_room", room="Oak"
    )
    assert not checks.called_before(trace, "find_rooms", "book_room")
    assert not checks.called_before(trace, "book_room", "cancel")  # never called: not "before"
    assert checks.outcome_changed(trace, "bookings") and not checks.outcome_changed(trace, "refunds")
    with pytest.raises(TypeError, match="takes a Trace"):
        checks.called("a reply", "book_room")


def test_run_checks_adds_one_column_per_check_and_never_passes_a_failed_case():
    ok = Trace.from_messages(LOG)
    silent = Trace(answer="Pine is yours.", model="m")
    results = pd.DataFrame({"case": [1, 2, 3], "trace": [ok, silent, None], "error": [None, None, "boom"]})
    suite = {
        "claimed_without_booking": lambda t: "yours" in t.answer and not checks.called(t, "book_room"),
        "no_answer": lambda t: not t.answer.strip(),
    }
    out = checks.run_checks(results, suite)
    assert list(out["claimed_without_booking"]) == [False, True, pd.NA]
    assert out["no_answer"].tolist()[:2] == [False, False] and out["no_answer"].isna().tolist()[2]
    assert out["any_failure"].tolist()[:2] == [False, True] and pd.isna(out["any_failure"].iloc[2])
    assert "claimed_without_booking" not in results.columns  # a copy, not the caller's table
    with pytest.raises(InputError, match="returned 'yes'"):
        checks.run_checks([ok], {"bad": lambda t: "yes"})
    with pytest.raises(InputError, match="already has a column 'case'"):
        checks.run_checks(results, {"case": lambda t: False})


def test_a_conversation_that_broke_off_has_no_verdict_unless_a_failure_already_shows():
    broke = Trace(answer="", model="m", error="APIConnectionError: timed out")
    claimed = Trace(answer="Pine is yours.", model="m", error="The assistant did not answer within 6 steps.")
    suite = {"claimed_without_booking": lambda t: "yours" in t.answer and not checks.called(t, "book_room")}
    out = checks.run_checks(pd.DataFrame({"trace": [broke, claimed]}), suite)
    assert pd.isna(out["claimed_without_booking"].iloc[0]) and out["claimed_without_booking"].iloc[1]
    table = checks.failure_table(out, ["claimed_without_booking"])
    assert table.loc["claimed_without_booking", ["n", "failed", "missing"]].tolist() == [1, 1, 1]


def test_failure_table_keeps_a_check_with_no_verdicts_and_a_slice_with_no_name():
    out = pd.DataFrame(
        {
            "persona": ["calm", None, "calm"],
            "c": pd.array([True, False, pd.NA], dtype="boolean"),
            "never_ran": pd.array([pd.NA] * 3, dtype="boolean"),
        }
    )
    whole = checks.failure_table(out, ["c", "never_ran"])
    assert whole.loc["c", ["n", "failed", "missing"]].tolist() == [2, 1, 1]
    assert whole.loc["never_ran", "n"] == 0 and pd.isna(whole.loc["never_ran", "rate"])
    sliced = checks.failure_table(out, ["c"], by="persona")
    assert sliced["n"].sum() + sliced["missing"].sum() == 3  # the unnamed persona is a row of its own


def test_mutation_report_refuses_a_check_that_returns_something_else():
    trace = Trace.from_messages(LOG)
    with pytest.raises(InputError, match="returned None for unmutated trace 0"):
        checks.mutation_report([trace], {"noop": lambda t: False}, {"forgot_return": lambda t: None})


# --- the simulator's behaviour table -----------------------------------------------------------------------------


def test_a_broken_simulator_behaviour_fails_loudly_instead_of_falling_through(monkeypatch):
    from evalbook.sim import engine

    def broken(req, draw):
        raise KeyError("oops")

    table = tuple(
        b if b.name != "mcq" else engine.Behaviour("mcq", b.matches, broken) for b in engine.BEHAVIOURS
    )
    monkeypatch.setattr(engine, "BEHAVIOURS", table)
    question = "Which planet is largest?\nA. Mars\nB. Jupiter\nC. Venus\nD. Earth\nAnswer with the letter of the correct option."
    status, payload, _ = engine.chat_completion(
        {"model": "atlas-1", "messages": [{"role": "user", "content": question}]}
    )
    assert status == 500 and "'mcq' behaviour failed: KeyError" in payload["error"]["message"]
    assert [b.name for b in engine.BEHAVIOURS][-1] == "notice"


def test_a_log_keeps_its_own_fields_and_shows_no_measured_zero():
    record = {"messages": LOG, "id": "conv-17", "user": "u-3", "metadata": {"channel": "slack"}}
    trace = Trace.from_messages(record)
    assert trace.metadata == {"id": "conv-17", "user": "u-3", "channel": "slack"}
    assert trace.header() == "model  · id conv-17 · user u-3 · channel slack"  # no "0 tokens · 0 ms"
    from evalbook.widgets import TraceViewer

    text = TraceViewer([trace], show=["id"]).text()
    assert "model  · id conv-17 · user u-3" in text and text.count("conv-17") == 1 and "()" not in text


def test_named_checks_schema_errors_and_mutants():
    @checks.check("the reply claims a booking but book_room was never called")
    def claimed_without_booking(trace):
        return "yours" in trace.answer and not checks.called(trace, "book_room")

    assert (
        claimed_without_booking.name == "claimed_without_booking"
        and "never called" in claimed_without_booking.description
    )
    good = Trace.from_messages(LOG)
    assert claimed_without_booking(good) is False
    mutant = checks.mutate(good, lambda t: t.tool_calls.clear())
    assert claimed_without_booking(mutant) is True and good.tool_calls  # the original is untouched
    out = checks.run_checks([good, mutant], [claimed_without_booking])
    assert out["claimed_without_booking"].tolist() == [False, True]
    schema = {
        "type": "object",
        "properties": {"verdict": {"enum": ["pass", "fail"]}},
        "required": ["verdict"],
    }
    assert checks.schema_errors({"verdict": "pass"}, schema) == []
    assert checks.schema_errors({"verdict": "maybe"}, schema) == [
        "verdict: 'maybe' is not one of ['pass', 'fail']"
    ]
    assert checks.schema_errors({}, schema) == ["(top): 'verdict' is a required property"]
